/** Where a request came from, as audit events and security notices name it. */
export interface RequestOrigin {
  ip: string;
  userAgent: string | undefined;
}
