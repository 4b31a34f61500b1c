// The LinuxKit images a wg-compose node is assembled from, pinned. The stock ones are those of
// LinuxKit's own WireGuard example (schema/vendor/linuxkit-example-wireguard.yml, LinuxKit
// v1.8.2), so the node boots on the same init, runc and containerd that example does.

export const STOCK = {
  /** WireGuard is a module in LinuxKit's kernels (loaded on demand); ours builds it in. */
  kernel: 'linuxkit/kernel:6.12.59',
  cmdline: 'console=tty0 console=ttyS0 console=ttyAMA0',
  init: [
    'linuxkit/init:b5506cc74a6812dc40982cacfd2f4328f8a4b12a',
    'linuxkit/runc:9442aa234715e751a16144f1d4ae3fd1a00fd492',
    'linuxkit/containerd:ba19f64efd3331a8fd0a33e00eabd14f6ee1780e',
    'linuxkit/ca-certificates:256f1950df59f2f209e9f0b81374177409eb11de',
  ],
  sysctl: 'linuxkit/sysctl:43ac1d39da329c3567fcb9689e5ca99de6d169b6',
  dhcpcd: 'linuxkit/dhcpcd:b87e9ececac55a65eaa592f4dd8b4e0c3009afdb',
  rngd: 'linuxkit/rngd:984eb580ecb63986f07f626b61692a97aacd7198',
  /** LinuxKit's `ip` package: iproute2, wg and lk-wg-config, the example's onboot image. */
  ip: 'linuxkit/ip:3c0676ee83a0dc739685be1253b8326f08581ef7',
  /**
   * LinuxKit's metadata package (pkg/metadata, same release line as the init above): it reads
   * the provider's user data (`linuxkit run … --data-file F` puts it on a CD-ROM) and, user data
   * being JSON, writes each entry as a file under /run/config (docs/metadata.md).
   */
  metadata: 'linuxkit/metadata:4bbf406678d376e1ae9c9efae6ca2421f63fb4ff',
} as const;

/** Where the metadata package writes our entries: /run/config/<USERDATA_KEY>/<iface>.conf. */
export const USERDATA_KEY = 'wg-compose';
