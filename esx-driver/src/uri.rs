//! Connection URIs (`esx://`, `gsx://`, `vpx://`) as libvirt's ESX driver reads them.
