/** A DNS label (RFC 1123): what Kubernetes accepts for namespace names and most object names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A DNS subdomain (RFC 1123): StorageClass names, host names. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
