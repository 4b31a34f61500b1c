// Names wg-compose adds to a stack, derived from the service they serve. One place, so the
// renderer, the collision check and `show` can never disagree.

/** The sidecar that brings the WireGuard interface up inside the service's namespace. */
export const sidecarName = (service: string): string => `${service}-wg`;
/**
 * The container that owns the service's network namespace (ports, networks, name, hosts).
 * Owning it outside the application and the sidecar means neither can take the network
 * away from the other by restarting.
 */
export const namespaceName = (service: string): string => `${service}-wgns`;
/** The compose secret that delivers the service's wg-quick file to its sidecar. */
export const secretName = (service: string): string => `${service}-wg-conf`;

/** Every name a linked service adds to the stack, for collision checks. */
export const generatedNames = (service: string): { services: string[]; secrets: string[] } => ({
  services: [sidecarName(service), namespaceName(service)],
  secrets: [secretName(service)],
});
