// The differential cases: compose files written from the documented behaviour of each format
// (docs.docker.com compose file v1/v2/v3 references, the Compose Specification), small, each
// showing one thing. `args` are the project options both tools get. Not a test file.
export interface DiffCase {
  readonly name: string;
  readonly files: Readonly<Record<string, string>>;
  readonly args: readonly string[];
}

const app = { 'app/Dockerfile': 'FROM scratch\n', 'web.env': 'A=1\n' };

export const CASES: readonly DiffCase[] = [
  {
    name: 'v1 links and aliases',
    files: { 'docker-compose.yml': 'web:\n  image: nginx\n  links: ["db:postgres", redis]\n  ports: ["80:80"]\ndb:\n  image: postgres\nredis:\n  image: redis\n' },
    args: [],
  },
  {
    name: 'v1 unlinked services',
    files: { 'docker-compose.yml': 'web:\n  image: nginx\n  environment: [A=1]\nworker:\n  image: busybox\n  command: sleep 1\n' },
    args: [],
  },
  {
    name: 'v1 net and named volumes',
    files: { 'docker-compose.yml': 'db:\n  image: postgres\n  volumes: ["pgdata:/var/lib/postgresql/data", "./conf:/etc/pg:ro"]\nside:\n  image: busybox\n  net: "container:db"\nhosted:\n  image: busybox\n  net: host\n' },
    args: [],
  },
  {
    name: 'v1 build, dockerfile and logging',
    files: { ...app, 'docker-compose.yml': 'web:\n  build: app\n  dockerfile: Dockerfile\n  log_driver: syslog\n  log_opt: {tag: web}\n  links: [db]\ndb:\n  image: postgres\n' },
    args: [],
  },
  {
    name: 'v1 two files',
    files: { 'docker-compose.yml': 'web:\n  image: nginx\n  links: [db]\n  environment: {A: "1"}\ndb:\n  image: postgres\n', 'override.yml': 'web:\n  environment: {B: "2"}\n  ports: ["8080:80"]\n' },
    args: ['-f', 'docker-compose.yml', '-f', 'override.yml'],
  },
  {
    name: 'v2 networks and depends_on',
    files: { 'docker-compose.yml': 'version: "2.4"\nservices:\n  web:\n    image: nginx\n    links: [api]\n    networks: [front]\n  api:\n    image: api\n    networks: [front, back]\n    depends_on: [db]\n  db:\n    image: postgres\n    networks: [back]\nnetworks:\n  front: {}\n  back: {}\n' },
    args: [],
  },
  {
    name: 'v2 healthcheck condition',
    files: { 'docker-compose.yml': 'version: "2.1"\nservices:\n  web:\n    image: nginx\n    links: [db]\n    depends_on:\n      db: {condition: service_healthy}\n  db:\n    image: postgres\n    healthcheck: {test: ["CMD", "true"], interval: 5s}\n' },
    args: [],
  },
  {
    name: 'v2 build and env_file',
    files: { ...app, 'docker-compose.yml': 'version: "2"\nservices:\n  web:\n    build: {context: app, args: {V: "1"}}\n    env_file: web.env\n    links: ["db:database"]\n    volumes: ["./data:/data", "cache:/cache"]\n  db:\n    image: postgres\nvolumes:\n  cache: {}\n' },
    args: [],
  },
  {
    name: 'v3 ports, secrets, configs',
    files: { 'secret.txt': 's\n', 'docker-compose.yml': 'version: "3.8"\nservices:\n  web:\n    image: nginx\n    links: [api]\n    ports: ["80:80", {target: 443, published: 8443, protocol: tcp}]\n    secrets: [token]\n  api:\n    image: api\n    expose: ["8080"]\n    hostname: api-host\nsecrets:\n  token: {file: ./secret.txt}\n' },
    args: [],
  },
  {
    name: 'v3 extra_hosts, dns, sysctls',
    files: { 'docker-compose.yml': 'version: "3.7"\nservices:\n  web:\n    image: nginx\n    links: [db]\n    extra_hosts: ["gw:10.0.0.1"]\n    dns: [1.1.1.1]\n    sysctls: {net.core.somaxconn: "1024"}\n  db:\n    image: postgres\n' },
    args: [],
  },
  {
    name: 'spec format',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    links: [api]\n    labels: {tier: front}\n  api:\n    image: api\n    environment: {DB: db}\n  db:\n    image: postgres\n' },
    args: ['-f', 'compose.yaml'],
  },
  {
    name: 'spec with x- fields and anchors',
    files: { 'compose.yaml': 'x-common: &common\n  restart: always\n  environment: {TZ: UTC}\nservices:\n  web:\n    <<: *common\n    image: nginx\n    links: [api]\n  api:\n    <<: *common\n    image: api\n' },
    args: ['-f', 'compose.yaml'],
  },
  {
    name: 'merge: scalars, mappings, ports',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx:1\n    links: [api]\n    environment: {A: "1", B: "1"}\n    ports: ["80:80"]\n  api:\n    image: api\n', 'compose.override.yaml': 'services:\n  web:\n    image: nginx:2\n    environment: {B: "2"}\n    ports: ["443:443"]\n' },
    args: ['-f', 'compose.yaml', '-f', 'compose.override.yaml'],
  },
  {
    name: 'merge: volumes by target, labels',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    volumes: ["./a:/data", "./b:/b"]\n    labels: [a=1]\n    links: [api]\n  api:\n    image: api\n', 'prod.yaml': 'services:\n  web:\n    volumes: ["./c:/data"]\n    labels: {b: "2"}\n' },
    args: ['-f', 'compose.yaml', '-f', 'prod.yaml'],
  },
  {
    name: 'merge: depends_on list and mapping',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    depends_on: [api]\n    links: [api]\n  api:\n    image: api\n  db:\n    image: postgres\n', 'more.yaml': 'services:\n  web:\n    depends_on: [db]\n' },
    args: ['-f', 'compose.yaml', '-f', 'more.yaml'],
  },
  {
    name: 'merge: build string over mapping',
    files: { ...app, 'compose.yaml': 'services:\n  web:\n    build: {context: app, dockerfile: Dockerfile}\n    links: [api]\n  api:\n    image: api\n', 'dev.yaml': 'services:\n  web:\n    build: app\n' },
    args: ['-f', 'compose.yaml', '-f', 'dev.yaml'],
  },
  {
    name: 'merge: logging driver change, cap_add',
    files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    cap_add: [NET_BIND_SERVICE]\n    logging: {driver: json-file, options: {max-size: 1m}}\n    links: [api]\n  api:\n    image: api\n', 'ops.yaml': 'services:\n  web:\n    cap_add: [SYS_TIME, NET_BIND_SERVICE]\n    logging: {driver: syslog}\n' },
    args: ['-f', 'compose.yaml', '-f', 'ops.yaml'],
  },
  {
    name: 'extends in one file',
    files: { 'compose.yaml': 'services:\n  base:\n    image: base\n    environment: {A: "1"}\n  web:\n    extends: base\n    environment: {B: "2"}\n    links: [api]\n  api:\n    extends: {service: base}\n    command: serve\n' },
    args: ['-f', 'compose.yaml'],
  },
  {
    name: 'extends from another file',
    files: { 'common.yaml': 'services:\n  svc:\n    image: base\n    restart: unless-stopped\n    env_file: web.env\n', 'web.env': 'A=1\n', 'compose.yaml': 'services:\n  web:\n    extends: {file: common.yaml, service: svc}\n    links: [api]\n  api:\n    image: api\n' },
    args: ['-f', 'compose.yaml'],
  },
  {
    name: 'interpolation and profiles',
    files: { '.env': 'TAG=7\n', 'compose.yaml': 'services:\n  web:\n    image: "nginx:${TAG}"\n    links: [api]\n    command: echo $$HOME\n  api:\n    image: "api:${API_TAG:-1}"\n  debug:\n    image: busybox\n    profiles: [debug]\n' },
    args: ['-f', 'compose.yaml'],
  },
];
