//! Credentials for a connection: libvirt's `auth.conf`, the `ESX_PASSWORD` variable, or a prompt.
