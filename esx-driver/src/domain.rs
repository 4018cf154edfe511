//! The part of libvirt's domain XML that VMware maps to: a typed model, its parser and formatter.
