#!/usr/bin/env python3
"""Checks the deployment kit against what the bot needs, without a cluster or Docker.

    python3 deploy/validate.py

Parses every YAML file under deploy/, all documents of each, then checks that the kit
follows the bot's conventions (docs/production.md): two listeners, HTTP_LISTEN for
`serve`'s POST /interactions and OPS_LISTEN for /healthz, /readyz and /metrics, never the
same port; every secret given as a file, never as an environment variable; exit status
78 (a malformed configuration) never restarted in a loop; the store where it belongs
(a SQLite file in DATA_DIR on one host, a shared PostgreSQL for several replicas). In
detail:

- Kubernetes (deploy/kubernetes/): a Deployment of `serve` with at least 2 replicas,
  OPS_LISTEN on the pod's address with a containerPort named `ops`, the /readyz and
  /healthz probes and the Prometheus annotations on that port, resource requests and
  limits, non-root read-only containers without privilege escalation, the catalogue
  ConfigMap (generated from every file of commands/) mounted at COMMANDS_DIR, each secret
  as a NAME_FILE into a read-only Secret volume the bot can read (no secret in env or
  envFrom), DATABASE_URL among them and required (the replicas share one PostgreSQL; the
  example Secret shows a postgres:// URL with sslmode=verify-full), the resolver, a
  Service that carries the interactions port and not `ops`, a NetworkPolicy that lets
  both ports in, `ops` only from named peers, and out only to named destinations
  (kube-dns and PostgreSQL on 5432 by selector, the internet as 0.0.0.0/0 and ::/0 with
  loopback, private, CGNAT and link-local ranges excepted), and a
  PodDisruptionBudget and an Ingress that fit the Deployment. The watcher (`watch
  daemon`): a Deployment of its own held to the same rules (resources, security
  contexts, probes and annotations on `ops`, the catalogue, the resolver, the Secret
  as files: DISCORD_TOKEN and DATABASE_URL, the store `serve` uses) with at least one
  replica, no other listener than `ops`, labels that neither `serve`'s selector, a
  Service nor a blocking PodDisruptionBudget takes, and a NetworkPolicy of its own:
  in, only `ops` from named peers; out, like `serve`'s. No bot token in `serve`'s pods
  (neither DISCORD_TOKEN_FILE nor a Secret volume whose keys, by secret.example.yaml,
  include it). Registration: a Job running `register` with restartPolicy Never, a
  backoffLimit of 0 to 3, ttlSecondsAfterFinished, the token from a Secret file, the
  catalogue at COMMANDS_DIR, the same container rules, and a NetworkPolicy that lets
  nothing in.
- Compose (deploy/compose.yaml): restart policies, rotated logs (json-file with max-size
  and max-file) and memory and CPU limits for every service, health checks (the bot's asks
  OPS_LISTEN), an env_file for the settings, OPS_LISTEN apart from HTTP_LISTEN and
  published on the host's loopback only, each secret a Compose file secret (kept out of
  git and the image) named by NAME_FILE, DNS_SERVERS pointing at the resolver service
  that Unbound allows; the bot's DATA_DIR on a named volume, the bot started without any
  profile, and a `postgres` service only under the profile `postgres`: the official
  image at a pinned major version, its password a file secret (POSTGRES_PASSWORD_FILE),
  its data on a named volume, a pg_isready health check, no published port, only on
  internal networks, one of them shared with the bot. A `watcher` service running
  `watch daemon` under the same rules, publishing no port, on the same store as the
  bot (the same DATA_DIR volume, the same DATABASE_URL secret or none).
- Unbound (deploy/*/unbound.conf): recursive (no forwarding), closed to everyone but
  the bot, no query logging, private answers dropped (private-address, never 127/8,
  where blocklists answer) and private nameservers never asked (do-not-query-address);
  `unbound-checkconf` too when it is installed, over a copy whose root hints, trust
  anchor and folder are stand-ins (the image's dns-root-data provides the real ones, and
  the Dockerfile is checked to install it), so a machine without /usr/share/dns gives
  the same answer; deploy/test_validate.py shows it.
- systemd (deploy/systemd/echoterra-bot.service, and echoterra-bot-watcher.service for
  `watch daemon`): the hardening directives, OPS_LISTEN on
  loopback apart from HTTP_LISTEN, the token as a credential (LoadCredential=),
  RestartPreventExitStatus=78, StateDirectory=echoterra-bot (mode 0700) with DATA_DIR
  naming it, IPAddressDeny= covering link-local and the metadata addresses but never
  loopback, parsed here; `systemd-analyze verify` too when it is installed. The
  watcher's unit shares the bot's store (the same dynamic user, state directory and
  DATABASE_URL credential or none) and listens on another OPS_LISTEN port.
- Dockerfiles (Dockerfile, deploy/unbound/Dockerfile): a numeric non-root USER,
  HEALTHCHECK (the bot's: `echoterra-bot health`, which asks OPS_LISTEN), EXPOSE (the
  bot's: both listeners, set by ENV on 0.0.0.0), OCI labels, --locked builds, COPY
  sources that .dockerignore lets through; the bot's DATA_DIR set by ENV, declared a
  VOLUME, and made by a COPY --chown to the bot's user (uid 65532).
- Prometheus (deploy/prometheus/): alerts.yaml, a plain rules file whose every rule has
  alert, expr, for, labels.severity and annotations.summary (`promtool check rules` too
  when it is installed), and grafana-dashboard.json, its panels on a datasource
  variable; every metric either reads is one the bot exports (the registrations in
  src/ops/*.rs, with prometheus-client's suffixes), a standard process_* one or `up`.
- The list of secrets here is the bot's own (src/config/secrets.rs; DATABASE_URL is
  noted, not failed, while that file does not list it yet).

Every failure names the file and the field. Exit status 0 when everything holds, 1
otherwise. Needs Python 3.11 and PyYAML (`python3 -m pip install pyyaml`).
"""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any, Iterable

try:
    import yaml
except ImportError:
    sys.exit("deploy/validate.py needs PyYAML: python3 -m pip install --quiet pyyaml")

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "kubernetes"
COMPOSE = DEPLOY / "compose.yaml"
UNIT = DEPLOY / "systemd" / "echoterra-bot.service"
# The watcher's unit: `watch daemon` beside the bot, on the same host and store.
WATCHER_UNIT = DEPLOY / "systemd" / "echoterra-bot-watcher.service"
BOT_DOCKERFILE = ROOT / "Dockerfile"
RESOLVER_DOCKERFILE = DEPLOY / "unbound" / "Dockerfile"

BINARY = "/usr/local/bin/echoterra-bot"
# Variables that must come from a secret store, never a plain value in a manifest; the
# kit gives each as a file (NAME_FILE, or the systemd credential NAME), never as NAME.
# The same list as SECRETS in src/config/secrets.rs (checked).
SECRET_ENV = {"DISCORD_TOKEN", "DISCORD_PUBLIC_KEY", "SPAMHAUS_DQS_KEY", "SPAMRATS_KEY", "DATABASE_URL"}
SECRET_FILE_ENV = {f"{name}_FILE" for name in SECRET_ENV}
# The secrets the Kubernetes Deployment of `serve` cannot run without: the Secret's keys
# are not optional. DATABASE_URL too: its replicas share one PostgreSQL. Not the bot
# token: `serve` never uses it, so its pods must not hold it (SERVE_FORBIDDEN_SECRET_ENV).
REQUIRED_SECRET_ENV = {"DISCORD_PUBLIC_KEY", "DATABASE_URL"}
SERVE_FORBIDDEN_SECRET_ENV = {"DISCORD_TOKEN"}
# The registration Job (`register`): the token alone.
REGISTER_ARGS = ["register"]
REGISTER_REQUIRED_SECRET_ENV = {"DISCORD_TOKEN"}
# The watcher (`watch daemon`): it posts alerts with the token, on the store `serve` uses;
# it takes no interactions, so no public key.
WATCH_ARGS = ["watch", "daemon"]
WATCHER_REQUIRED_SECRET_ENV = {"DISCORD_TOKEN", "DATABASE_URL"}
# Every variable the bot reads; a name outside this list in the kit is a typo.
KNOWN_ENV = {
    "DISCORD_GUILD_ID", "STAFF_GUILD_IDS", "DISCORD_API_BASE", "COMMANDS_DIR", "DNS_SERVERS",
    "TLS_EXTRA_CA", "ALLOW_PRIVATE_TARGETS", "HTTP_LISTEN", "OPS_LISTEN",
    "SHUTDOWN_GRACE_SECONDS", "RUST_LOG", "LOG_FORMAT", "DATA_DIR",
} | SECRET_ENV | SECRET_FILE_ENV
# The store (docs/production.md, "The store"): a SQLite file in DATA_DIR unless
# DATABASE_URL names a PostgreSQL, which several replicas or hosts need.
DATA_DIR = "/var/lib/echoterra-bot"
STATE_DIRECTORY = "echoterra-bot"
POSTGRES_SCHEMES = ("postgres://", "postgresql://")
POSTGRES_PORT = 5432
# What the deployment kit keeps the bot from reaching, second to its own address policy:
# loopback, the private networks (where the cluster itself lives), CGNAT (100.64/10,
# Alibaba's metadata address among them), link-local (169.254/16, every cloud's metadata
# service, and fe80::/10) and IPv6 unique-local addresses (fd00:ec2::254, AWS's).
NON_PUBLIC = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8",
    "fc00::/7", "fe80::/10", "::1/128")]
# The runtime image's user (distroless's nonroot), who must own DATA_DIR.
BOT_UID = "65532"
# The exit status of a malformed configuration (src/cli/exit.rs): waiting will not fix it.
EX_CONFIG = 78
DEFAULT_SHUTDOWN_GRACE = 20
# What the systemd unit denies (IPAddressDeny=): link-local (169.254/16, where clouds serve
# instance metadata, and fe80::/10) and the metadata addresses outside it.
METADATA = [ipaddress.ip_network(n) for n in (
    "169.254.0.0/16", "fe80::/10", "100.100.100.200/32", "fd00:ec2::254/128")]
# The keywords systemd.resource-control(5) accepts for IPAddressDeny=, as prefixes.
UNIT_ADDRESS_WORDS = {
    "any": {ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")},
    "localhost": {ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")},
    "link-local": {ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/64")},
    "multicast": {ipaddress.ip_network("224.0.0.0/4"), ipaddress.ip_network("ff00::/8")},
}
OCI_LABELS = ("title", "description", "version", "licenses")


class Checker:
    """Collects failures; each names the file and the field."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.notes: list[str] = []
        self.passed = 0

    def check(self, ok: bool, file: Path, field: str, problem: str) -> bool:
        if ok:
            self.passed += 1
        else:
            self.failures.append(f"{rel(file)}: {field}: {problem}")
        return ok

    def fail(self, file: Path, field: str, problem: str) -> None:
        self.check(False, file, field, problem)

    def note(self, text: str) -> None:
        self.notes.append(text)


def rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def dig(obj: Any, *keys: str | int) -> Any:
    """obj[k1][k2]..., or None where the path does not exist."""
    for key in keys:
        if isinstance(key, int):
            if not isinstance(obj, list) or key >= len(obj):
                return None
        elif not isinstance(obj, dict):
            return None
        obj = obj[key] if isinstance(key, int) else obj.get(key)
    return obj


def truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in {"yes", "true", "1", "on"}


def split_host_port(text: str) -> tuple[str, int | None]:
    """'1.2.3.4:53' / '[::1]:53' / '1.2.3.4' -> (host, port)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else None
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    return text, None


def parse_duration(text: Any) -> float | None:
    """Compose / systemd durations such as '30s', '1m30s', '90', '2min'."""
    text = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    units = {"h": 3600, "m": 60, "min": 60, "s": 1, "sec": 1, "ms": 0.001, "us": 1e-6}
    total, pos = 0.0, 0
    for match in re.finditer(r"(\d+(?:\.\d+)?)\s*(min|sec|ms|us|h|m|s)", text):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * units[match.group(2)]
        pos = match.end()
    return total if pos == len(text) and pos > 0 else None


def check_listeners(c: Checker, file: Path, field: str, http: str | None, ops: str | None,
                    hosts: set[str], where: str) -> int | None:
    """OPS_LISTEN set, on one of `hosts` (`where` says why), on another port than
    HTTP_LISTEN; returns its port. `field` has a {} for the variable's name."""
    if not c.check(bool(ops), file, field.format("OPS_LISTEN"),
                   "missing: /healthz, /readyz and /metrics would be on the binary's default "
                   f"127.0.0.1:9180 (or, under `run`, on HTTP_LISTEN, deprecated); set it to {where}"):
        return None
    try:
        host, port = split_host_port(str(ops))
    except ValueError:
        host, port = str(ops), None
    if not c.check(port is not None, file, field.format("OPS_LISTEN"), f"{ops!r} is not host:port"):
        return None
    c.check(host in hosts, file, field.format("OPS_LISTEN"), f"is {ops!r}: set it to {where}")
    if http:
        try:
            http_port = split_host_port(str(http))[1]
        except ValueError:
            http_port = None
        c.check(port != http_port, file, field.format("OPS_LISTEN"),
                f"{ops!r} shares port {port} with HTTP_LISTEN {http!r}: the operators' endpoints "
                f"never share the interactions listener (serve refuses it, exit {EX_CONFIG})")
    return port


def check_secret_table(c: Checker) -> None:
    """SECRET_ENV is the bot's own list of secrets, so the kit checks every one of them."""
    source = ROOT / "src" / "config" / "secrets.rs"
    if not c.check(source.is_file(), source, "(file)", "missing: SECRETS, the list of secrets, lives there"):
        return
    table = re.search(r"pub const SECRETS[^=]*=\s*&\[(.*?)\];", source.read_text(), re.S)
    names = set(re.findall(r'\(\s*"(\w+)"\s*,', table.group(1))) if table else set()
    c.check(names == SECRET_ENV, source, "SECRETS",
            f"lists {sorted(names)}, but deploy/validate.py's SECRET_ENV is {sorted(SECRET_ENV)}")


def git_ignores(path: Path) -> bool | None:
    """Whether .gitignore keeps `path` out of git (None: git is not installed)."""
    git = shutil.which("git")
    if not git:
        return None
    run = subprocess.run([git, "-C", str(ROOT), "check-ignore", "-q", "--no-index", rel(path)],
                         capture_output=True, text=True, timeout=30)
    return run.returncode == 0


# ---------------------------------------------------------------------------- YAML


def load_all_yaml(c: Checker) -> dict[Path, list[Any] | None]:
    """Every YAML file under deploy/, each as its list of documents (None: did not parse)."""
    documents: dict[Path, list[Any] | None] = {}
    for path in sorted(DEPLOY.rglob("*")):
        if path.suffix not in {".yaml", ".yml"} or not path.is_file():
            continue
        try:
            docs = [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark else "YAML"
            c.fail(path, where, f"does not parse: {err}")
            documents[path] = None
            continue
        c.check(bool(docs), path, "(file)", "holds no YAML document")
        documents[path] = docs
    c.check(bool(documents), DEPLOY, "(folder)", "has no YAML files")
    return documents


# ---------------------------------------------------------------------- Kubernetes


def parse_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def check_kubernetes(c: Checker, documents: dict[Path, list[Any]]) -> None:
    kustomization_path = K8S / "kustomization.yaml"
    if not c.check(kustomization_path in documents, kustomization_path, "(file)",
                   "missing: the Kubernetes manifests are applied through it"):
        return
    if any(documents[p] is None for p in documents if p.parent == K8S):
        return  # a file did not parse (reported): the checks below would only add noise
    kustomization = documents[kustomization_path][0]
    resources = kustomization.get("resources") or []

    # Every manifest of the folder is applied, except examples meant to be copied.
    for path in documents:
        if path.parent == K8S and path.name != "kustomization.yaml" and ".example." not in path.name:
            c.check(path.name in resources, kustomization_path, "resources",
                    f"does not list {path.name}, so it would never be applied")
    objects: list[tuple[Path, dict]] = []
    for name in resources:
        path = K8S / name
        if not c.check(path in documents, kustomization_path, "resources",
                       f"lists {name}, which is not a YAML file in {rel(K8S)}"):
            continue
        for i, doc in enumerate(documents[path]):
            where = f"document {i + 1}"
            if not c.check(isinstance(doc, dict), path, where, "is not a mapping"):
                continue
            for field in ("apiVersion", "kind"):
                c.check(bool(doc.get(field)), path, f"{where}.{field}", "missing")
            c.check(bool(dig(doc, "metadata", "name")), path, f"{where}.metadata.name", "missing")
            objects.append((path, doc))

    generators = {g.get("name"): g for g in kustomization.get("configMapGenerator") or []}
    commands_cm = check_catalogue_generator(c, kustomization_path, generators)

    def of_kind(kind: str) -> list[tuple[Path, dict]]:
        found = [(p, d) for p, d in objects if d.get("kind") == kind]
        c.check(bool(found), kustomization_path, "resources", f"no {kind} among the applied manifests")
        return found

    deployments = of_kind("Deployment")
    serve = [(p, d) for p, d in deployments if find_bot_container(d) is not None]
    if not c.check(bool(serve), kustomization_path, "resources",
                   "no Deployment with a container running `echoterra-bot serve` (args: [\"serve\"])"):
        return
    path, deployment = serve[0]
    pod_labels = dig(deployment, "spec", "template", "metadata", "labels") or {}
    replicas = dig(deployment, "spec", "replicas")
    settings = {}
    for gen in generators.values():
        for env_file in gen.get("envs") or []:
            settings.update(parse_env_file(K8S / env_file))
    for name in settings:
        c.check(name in KNOWN_ENV and name not in SECRET_ENV, K8S / "settings.env", name,
                "is not a non-secret variable the bot reads")
    check_deployment(c, path, deployment, find_bot_container(deployment), "serve", commands_cm, generators,
                     settings)

    # The watcher: a Deployment of its own, on labels no object of `serve` selects.
    watchers = [(p, d) for p, d in deployments if find_watcher_container(d) is not None]
    c.check(bool(watchers), kustomization_path, "resources",
            "no Deployment with a container running `echoterra-bot watch daemon` (args: [\"watch\", \"daemon\"]): "
            "`serve` never checks the watches nor posts their alerts")
    watcher_labels: dict = {}
    watcher_replicas = None
    for wpath, watcher in watchers:
        check_deployment(c, wpath, watcher, find_watcher_container(watcher), "watcher", commands_cm, generators,
                         settings)
        watcher_labels = dig(watcher, "spec", "template", "metadata", "labels") or {}
        watcher_replicas = dig(watcher, "spec", "replicas")
        serve_selector = dig(deployment, "spec", "selector", "matchLabels") or {}
        watcher_selector = dig(watcher, "spec", "selector", "matchLabels") or {}
        c.check(not (serve_selector and serve_selector.items() <= watcher_labels.items()), wpath,
                "spec.template.metadata.labels",
                f"{watcher_labels} match the selector of {rel(path)} {serve_selector}: the two Deployments "
                "would fight over the pods; give the watcher another app.kubernetes.io/component")
        c.check(not (watcher_selector and watcher_selector.items() <= pod_labels.items()), wpath,
                "spec.selector.matchLabels",
                f"{watcher_selector} also selects the pods of {rel(path)} {pod_labels}")

    service_ports: dict[str, set] = {}
    for spath, service in of_kind("Service"):
        name = dig(service, "metadata", "name")
        selector = dig(service, "spec", "selector") or {}
        if watcher_labels:
            c.check(not (selector and selector.items() <= watcher_labels.items()), spath, "spec.selector",
                    f"{selector} selects the watcher's pods {watcher_labels}, which have no port to serve "
                    "(the Service would send interactions to them)")
        if selector and selector.items() <= pod_labels.items():
            ports = dig(service, "spec", "ports") or []
            service_ports[name] = {p.get("name") for p in ports} | {p.get("port") for p in ports}
            bot = find_bot_container(deployment)
            container_ports = {p.get("name") for p in bot.get("ports") or []} | {
                p.get("containerPort") for p in bot.get("ports") or []}
            ops = {v for p in bot.get("ports") or [] if p.get("name") == "ops"
                   for v in (p.get("name"), p.get("containerPort"))}
            for i, port in enumerate(ports):
                c.check(port.get("targetPort") in container_ports, spath,
                        f"spec.ports[{i}].targetPort",
                        f"{port.get('targetPort')!r} is not a port of the bot container ({sorted(map(str, container_ports))})")
                c.check(port.get("targetPort") not in ops, spath, f"spec.ports[{i}].targetPort",
                        f"{port.get('targetPort')!r} is the ops port: /healthz, /readyz and /metrics are "
                        "reached pod by pod (probes, Prometheus), never through the Service")
    c.check(bool(service_ports), kustomization_path, "Service",
            f"no Service selects the Deployment's pods (labels {pod_labels})")

    for ppath, pdb in of_kind("PodDisruptionBudget"):
        selector = dig(pdb, "spec", "selector", "matchLabels") or {}
        if watcher_labels and selector and selector.items() <= watcher_labels.items():
            # A budget over the watcher must not block drains (one replica is the rule).
            least = dig(pdb, "spec", "minAvailable")
            most_down = dig(pdb, "spec", "maxUnavailable")
            c.check(not ((isinstance(least, int) and isinstance(watcher_replicas, int) and least >= watcher_replicas)
                         or most_down in (0, "0", "0%")), ppath, "spec",
                    f"selects the watcher's pods {watcher_labels} and would block every node drain "
                    f"(replicas: {watcher_replicas!r})")
        c.check(bool(selector) and selector.items() <= pod_labels.items(), ppath,
                "spec.selector.matchLabels", f"{selector} does not select the Deployment's pods {pod_labels}")
        min_available = dig(pdb, "spec", "minAvailable")
        max_unavailable = dig(pdb, "spec", "maxUnavailable")
        c.check(min_available is not None or max_unavailable is not None, ppath, "spec",
                "needs minAvailable or maxUnavailable")
        if isinstance(min_available, int) and isinstance(replicas, int):
            c.check(min_available < replicas, ppath, "spec.minAvailable",
                    f"{min_available} with {replicas} replicas would block every node drain")

    for ipath, ingress in of_kind("Ingress"):
        rules = dig(ingress, "spec", "rules") or []
        paths = [(i, j, p) for i, r in enumerate(rules) for j, p in enumerate(dig(r, "http", "paths") or [])]
        c.check(any(p.get("path") == "/interactions" for _, _, p in paths), ipath,
                "spec.rules[].http.paths", "no path /interactions (Discord's Interactions Endpoint URL)")
        for i, j, p in paths:
            field = f"spec.rules[{i}].http.paths[{j}]"
            c.check(p.get("path") == "/interactions", ipath, f"{field}.path",
                    f"{p.get('path')!r} would publish more than /interactions (e.g. /metrics)")
            svc = dig(p, "backend", "service", "name")
            port = dig(p, "backend", "service", "port", "name") or dig(p, "backend", "service", "port", "number")
            if c.check(svc in service_ports, ipath, f"{field}.backend.service.name",
                       f"{svc!r} is not the Service of the bot ({sorted(service_ports)})"):
                c.check(port in service_ports[svc], ipath, f"{field}.backend.service.port",
                        f"{port!r} is not a port of Service {svc}")

    check_network_policies(c, kustomization_path, objects, deployment, find_bot_container(deployment), "serve")
    for wpath, watcher in watchers:
        check_network_policies(c, kustomization_path, objects, watcher, find_watcher_container(watcher), "watcher")

    # Registration: a Job running `register`, the token mounted.
    jobs = [(p, d) for p, d in of_kind("Job") if find_container(d, REGISTER_ARGS) is not None]
    c.check(bool(jobs), kustomization_path, "resources",
            "no Job with a container running `echoterra-bot register` (args: [\"register\"]): the slash "
            "commands would be registered by `kubectl exec` into a pod that holds the token for that alone")
    for jpath, job in jobs:
        check_register_job(c, jpath, job, commands_cm)
        check_isolated(c, kustomization_path, objects, job, "the registration Job")

    # The Secrets the pods read: the example lists every key the pods need.
    example = K8S / "secret.example.yaml"
    wanted = {}
    for dpath, dep in [(path, deployment)] + watchers + jobs:
        container = find_bot_container(dep) or find_watcher_container(dep) or find_container(dep, REGISTER_ARGS)
        wanted.update({ref: (variable, dpath) for ref, variable in secret_refs(dep, container).items()})
    if c.check(example in documents, example, "(file)", "missing: it documents the Secret to create"):
        secrets = {dig(d, "metadata", "name"): d for d in documents[example] if d.get("kind") == "Secret"}
        check_serve_without_token(c, path, deployment, secrets)
        for (secret, key), (variable, path) in wanted.items():
            if c.check(secret in secrets, example, "metadata.name",
                       f"no Secret named {secret!r}, which {rel(path)} mounts"):
                data = (secrets[secret].get("stringData") or {}) | (secrets[secret].get("data") or {})
                if c.check(key in data, example, f"stringData.{key}",
                           f"missing, but {rel(path)} reads it as a file ({variable})"):
                    c.check(bool(str(data[key] or "").strip()), example, f"stringData.{key}",
                            f"is empty: an empty file stops the bot (exit {EX_CONFIG}); "
                            "leave the key out and its _FILE unset instead")
                    if variable == "DATABASE_URL_FILE":
                        url = str(data[key] or "")
                        c.check(url.startswith(POSTGRES_SCHEMES), example, f"stringData.{key}",
                                f"is {url.split('@')[-1]!r}, not a postgres:// URL: the replicas share one "
                                "PostgreSQL (a SQLite file per pod would split the limits)")
                        c.check("sslmode=verify-full" in url, example, f"stringData.{key}",
                                "shows no ?sslmode=verify-full: the example is what gets copied, so it "
                                "checks the database's certificate")

    check_kustomize_render(c, kustomization_path, commands_cm)


def check_network_policies(c: Checker, kustomization_path: Path, objects: list[tuple[Path, dict]],
                           deployment: dict, bot: dict | None, role: str) -> None:
    """Where a policy isolates the pods: both listeners reachable, the ops port only from
    the namespaces named in its rules. The watcher's pods: isolated both ways by a policy,
    and let in on the ops port alone."""
    pod_labels = dig(deployment, "spec", "template", "metadata", "labels") or {}
    bot = bot or {}
    name_of = dig(deployment, "metadata", "name")
    isolating = [d for _, d in objects if d.get("kind") == "NetworkPolicy"
                 and (dig(d, "spec", "podSelector", "matchLabels") or {}).items() <= pod_labels.items()
                 and {"Ingress", "Egress"} <= set(dig(d, "spec", "policyTypes") or ["Ingress"])]
    c.check(bool(isolating), kustomization_path, "resources",
            f"no NetworkPolicy with policyTypes Ingress and Egress selects the pods of {name_of} {pod_labels}: "
            "they could be reached from, and reach, anywhere")
    names = {p.get("name"): p.get("containerPort") for p in bot.get("ports") or []}
    env = {e.get("name"): e.get("value") for e in bot.get("env") or []}
    listeners = {}
    for variable in ("HTTP_LISTEN", "OPS_LISTEN"):
        try:
            listeners[variable] = split_host_port(str(env.get(variable)))[1]
        except ValueError:
            listeners[variable] = None
    for npath, policy in ((p, d) for p, d in objects if d.get("kind") == "NetworkPolicy"):
        selector = dig(policy, "spec", "podSelector", "matchLabels") or {}
        types = dig(policy, "spec", "policyTypes") or ["Ingress"]
        if not selector.items() <= pod_labels.items():
            continue
        if "Egress" in types and "DATABASE_URL_FILE" in env:
            # The store: the replicas reach their PostgreSQL on its port.
            egress = dig(policy, "spec", "egress") or []
            c.check(any(not r.get("ports") or any(p.get("port") == POSTGRES_PORT and
                                                  p.get("protocol", "TCP") == "TCP" for p in r["ports"])
                        for r in egress), npath, "spec.egress",
                    f"no rule lets out TCP port {POSTGRES_PORT}: the pods could not reach the PostgreSQL "
                    "they share (DATABASE_URL)")
        if "Egress" in types:
            check_egress(c, npath, dig(policy, "spec", "egress") or [])
        if "Ingress" not in types:
            continue
        rules = dig(policy, "spec", "ingress") or []
        if role == "watcher":
            # No public listener: every rule names its peers, and only the ops port.
            ops = listeners.get("OPS_LISTEN")
            for i, rule in enumerate(rules):
                ports = [names.get(p.get("port"), p.get("port")) for p in rule.get("ports") or []]
                c.check(bool(ports) and all(p == ops for p in ports), npath, f"spec.ingress[{i}].ports",
                        f"{ports or 'every port'}: the watcher has no listener but OPS_LISTEN ({ops}); let in that "
                        "port alone")
        for variable, port in listeners.items():
            if port is None:
                continue
            covering = [(i, r) for i, r in enumerate(rules)
                        if not r.get("ports") or any(names.get(p.get("port"), p.get("port")) == port
                                                     for p in r.get("ports"))]
            c.check(bool(covering), npath, "spec.ingress",
                    f"no rule lets in port {port} ({variable}): "
                    + ("the ingress controller could not reach /interactions" if variable == "HTTP_LISTEN"
                       else "Prometheus could not scrape /metrics"))
            if variable == "OPS_LISTEN":
                for i, rule in covering:
                    c.check(bool(rule.get("from")), npath, f"spec.ingress[{i}].from",
                            f"lets anyone reach port {port} (/healthz, /readyz, /metrics): name the "
                            "monitoring namespace")


def check_egress(c: Checker, path: Path, egress: list[dict]) -> None:
    """Every way out names its destinations: kube-dns and PostgreSQL by selector, the
    internet as 0.0.0.0/0 and ::/0 with the private, loopback, CGNAT and link-local
    ranges excepted, so DNS, HTTPS and the mail ports never reach the cluster, a private
    network or a metadata service."""
    def ports(rule: dict) -> set[int]:
        return {p.get("port") for p in rule.get("ports") or []}

    internet: list[tuple[int, dict]] = []
    for i, rule in enumerate(egress):
        field = f"spec.egress[{i}]"
        peers = rule.get("to") or []
        if not c.check(bool(peers), path, f"{field}.to",
                       f"missing: ports {sorted(ports(rule)) or 'all'} would reach every address, the "
                       "cluster and private networks included; name the destinations"):
            continue
        blocks = [peer["ipBlock"] for peer in peers if "ipBlock" in peer]
        if not blocks:
            continue
        if ports(rule) <= {POSTGRES_PORT} and ports(rule):
            continue  # a managed database's address may well be private
        internet.append((i, rule))
        for block in blocks:
            cidr = ipaddress.ip_network(str(block.get("cidr")), strict=False)
            excepted = [ipaddress.ip_network(str(e), strict=False) for e in block.get("except") or []]
            for private in NON_PUBLIC:
                if private.version != cidr.version or not private.overlaps(cidr):
                    continue
                c.check(any(private.subnet_of(e) for e in excepted if e.version == private.version),
                        path, f"{field}.to.ipBlock {cidr}",
                        f"does not except {private}: ports {sorted(ports(rule))} would reach it "
                        "(the cluster, a private network, loopback or a metadata service)")
    covered = {ipaddress.ip_network(str(peer["ipBlock"].get("cidr")), strict=False)
               for _, rule in internet for peer in rule.get("to") or [] if "ipBlock" in peer}
    for everything in ("0.0.0.0/0", "::/0"):
        c.check(ipaddress.ip_network(everything) in covered, path, "spec.egress",
                f"no rule lets out to {everything} (public addresses, private ranges excepted): the checks "
                "could not reach mail servers, nor the resolver nameservers, over "
                + ("IPv4" if everything == "0.0.0.0/0" else "IPv6"))
    for port in (53, 443):
        c.check(any(port in ports(rule) for _, rule in internet), path, "spec.egress",
                f"no rule lets port {port} out to public addresses "
                + ("(the resolver sidecar recurses from the root servers)" if port == 53 else "(Discord's API)"))

    def selects(rule: dict, namespace: str, labels: dict[str, str]) -> bool:
        return any(dig(peer, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name") == namespace
                   and labels.items() <= (dig(peer, "podSelector", "matchLabels") or {}).items()
                   for peer in rule.get("to") or [])
    c.check(any(53 in ports(r) and selects(r, "kube-system", {"k8s-app": "kube-dns"}) for r in egress),
            path, "spec.egress",
            "no rule lets port 53 out to kube-dns (namespaceSelector kube-system and podSelector "
            "k8s-app: kube-dns): the bot could not resolve discord.com through the cluster DNS")
    database = [(i, r) for i, r in enumerate(egress) if POSTGRES_PORT in ports(r)]
    for i, rule in database:
        c.check(all("podSelector" in peer or "ipBlock" in peer for peer in rule.get("to") or []),
                path, f"spec.egress[{i}].to",
                f"lets {POSTGRES_PORT} out to whole namespaces: select the database's pods (podSelector), "
                "or give a managed database's address (ipBlock)")


def check_catalogue_generator(c: Checker, kustomization_path: Path, generators: dict) -> str | None:
    """The ConfigMap generated from commands/: every catalogue file, straight from there."""
    commands_dir = ROOT / "commands"
    catalogue = sorted(p.name for p in commands_dir.iterdir() if p.is_file())
    for name, gen in generators.items():
        sources = {}
        for entry in gen.get("files") or []:
            key, _, source = entry.rpartition("=") if "=" in entry else ("", "", entry)
            source_path = (K8S / source).resolve()
            sources[key or source_path.name] = source_path
        if not any(p.parent == commands_dir for p in sources.values()):
            continue
        for file in catalogue:
            c.check(sources.get(file) == commands_dir / file, kustomization_path,
                    f"configMapGenerator[{name}].files",
                    f"does not include ../../commands/{file}: the pods would run the built-in copy")
        for key, source in sources.items():
            c.check(source.is_file(), kustomization_path, f"configMapGenerator[{name}].files",
                    f"{key}: {rel(source)} does not exist")
        return name
    c.fail(kustomization_path, "configMapGenerator",
           "no ConfigMap generated from ../../commands/*.toml (the catalogue for COMMANDS_DIR)")
    return None


def find_container(workload: dict, args: list[str]) -> dict | None:
    """The container of a Deployment's or Job's pod whose args begin with `args`."""
    for container in dig(workload, "spec", "template", "spec", "containers") or []:
        if (container.get("args") or container.get("command") or [])[:len(args)] == args:
            return container
    return None


def check_register_job(c: Checker, path: Path, job: dict, commands_cm: str | None) -> None:
    """`register` as a Job: run once (restartPolicy Never, a small backoffLimit, cleaned up
    after it finishes), the pod held to the Deployments' security rules, the token from a
    Secret file, the catalogue the pods serve."""
    spec = job.get("spec") or {}
    pod = dig(spec, "template", "spec") or {}
    c.check(pod.get("restartPolicy") == "Never", path, "spec.template.spec.restartPolicy",
            f"is {pod.get('restartPolicy')!r}, must be Never: a failed registration is retried by the Job "
            "(backoffLimit), in a fresh pod, not restarted in place")
    backoff = spec.get("backoffLimit")
    c.check(isinstance(backoff, int) and 0 <= backoff <= 3, path, "spec.backoffLimit",
            f"is {backoff!r}: set 0 to 3; the default, 6, would hammer Discord's API with a bad token")
    ttl = spec.get("ttlSecondsAfterFinished")
    c.check(isinstance(ttl, int) and ttl >= 0, path, "spec.ttlSecondsAfterFinished",
            f"is {ttl!r}: set it, so a finished Job (whose pod template cannot change) is gone before "
            "the next release applies a new one")
    c.check(dig(pod, "automountServiceAccountToken") is False, path,
            "spec.template.spec.automountServiceAccountToken", "must be false: the bot never talks to the API")
    check_pod_containers(c, path, pod, "spec.template.spec")
    bot = find_container(job, REGISTER_ARGS) or {}
    field = f"spec.template.spec.containers[{(pod.get('containers') or []).index(bot)}]({bot.get('name')})"
    env = {e.get("name"): e for e in bot.get("env") or []}
    c.check(not bot.get("ports"), path, f"{field}.ports", "register listens nowhere")
    for name in sorted(REGISTER_REQUIRED_SECRET_ENV):
        c.check(f"{name}_FILE" in env, path, f"{field}.env[{name}_FILE]",
                f"missing: `register` needs {name}, from a file of a mounted Secret")
    for name in sorted(set(env) & SECRET_FILE_ENV):
        secret_file(c, path, pod, bot, field, name, dig(env, name, "value"), REGISTER_REQUIRED_SECRET_ENV)
    # The catalogue: the definitions registered are those `serve` answers with.
    commands_dir = dig(env, "COMMANDS_DIR", "value")
    if c.check(bool(commands_dir), path, f"{field}.env[COMMANDS_DIR]",
               "missing: the Job would register the built-in catalogue, not the one the pods serve"):
        mount = next((m for m in bot.get("volumeMounts") or [] if m.get("mountPath") == commands_dir), None)
        volume = next((v for v in pod.get("volumes") or [] if mount and v.get("name") == mount.get("name")), {})
        c.check(dig(volume, "configMap", "name") == commands_cm, path, f"{field}.volumeMounts",
                f"nothing from the catalogue ConfigMap {commands_cm!r} is mounted at COMMANDS_DIR {commands_dir}")


def check_isolated(c: Checker, kustomization_path: Path, objects: list[tuple[Path, dict]], workload: dict,
                   what: str) -> None:
    """A pod that listens nowhere: a NetworkPolicy isolates it both ways, lets nothing in,
    and names every destination it lets out to (check_egress's rules for the internet)."""
    labels = dig(workload, "spec", "template", "metadata", "labels") or {}
    policies = [(p, d) for p, d in objects if d.get("kind") == "NetworkPolicy"
                and (dig(d, "spec", "podSelector", "matchLabels") or {}).items() <= labels.items()]
    isolating = [(p, d) for p, d in policies if {"Ingress", "Egress"} <= set(dig(d, "spec", "policyTypes") or [])]
    c.check(bool(isolating), kustomization_path, "resources",
            f"no NetworkPolicy with policyTypes Ingress and Egress selects the pods of {what} {labels}")
    for npath, policy in policies:
        c.check(not dig(policy, "spec", "ingress"), npath, "spec.ingress",
                f"lets something in to {what}, which listens nowhere")
        for i, rule in enumerate(dig(policy, "spec", "egress") or []):
            c.check(bool(rule.get("to")), npath, f"spec.egress[{i}].to", "missing: name the destinations")
            for peer in rule.get("to") or []:
                block = peer.get("ipBlock")
                if not block:
                    continue
                cidr = ipaddress.ip_network(str(block.get("cidr")), strict=False)
                excepted = [ipaddress.ip_network(str(e), strict=False) for e in block.get("except") or []]
                for private in NON_PUBLIC:
                    if private.version == cidr.version and private.overlaps(cidr):
                        c.check(any(private.subnet_of(e) for e in excepted if e.version == private.version),
                                npath, f"spec.egress[{i}].to.ipBlock {cidr}", f"does not except {private}")


def secret_keys(volume: dict, secrets: dict[str, dict]) -> dict[str, set[str]]:
    """Secret name -> the keys a volume (secret or projected) puts in the pod."""
    sources = [volume["secret"] | {"name": volume["secret"].get("secretName")}] if volume.get("secret") else []
    sources += [s["secret"] for s in dig(volume, "projected", "sources") or [] if s.get("secret")]
    found: dict[str, set[str]] = {}
    for source in sources:
        name = source.get("name")
        items = source.get("items")
        if items:
            keys = {item.get("key") for item in items}
        else:
            secret = secrets.get(name) or {}
            keys = set(secret.get("stringData") or {}) | set(secret.get("data") or {})
        found.setdefault(name, set()).update(keys)
    return found


def check_serve_without_token(c: Checker, path: Path, deployment: dict, secrets: dict[str, dict]) -> None:
    """The pods of `serve` hold no bot token: no DISCORD_TOKEN_FILE, and no Secret volume
    (by the example's keys) that carries DISCORD_TOKEN."""
    pod = dig(deployment, "spec", "template", "spec") or {}
    for where in ("containers", "initContainers"):
        for container in pod.get(where) or []:
            for env in container.get("env") or []:
                name = str(env.get("name"))
                c.check(name.removesuffix("_FILE") not in SERVE_FORBIDDEN_SECRET_ENV, path,
                        f"spec.template.spec.{where}[{container.get('name')}].env[{name}]",
                        "`serve` never uses the bot token: its pods must not hold it (the watcher and the "
                        "registration Job do)")
    for volume in pod.get("volumes") or []:
        for secret, keys in secret_keys(volume, secrets).items():
            c.check(secret in secrets, path, f"spec.template.spec.volumes[{volume.get('name')}]",
                    f"mounts Secret {secret!r}, which secret.example.yaml does not show")
            c.check(not keys & SERVE_FORBIDDEN_SECRET_ENV, path,
                    f"spec.template.spec.volumes[{volume.get('name')}]",
                    f"mounts Secret {secret!r} with the key(s) {sorted(keys & SERVE_FORBIDDEN_SECRET_ENV)}: "
                    "`serve` must not hold the bot token; keep it in a Secret of its own "
                    "(echoterra-bot-token) or list the volume's items without it")


def find_bot_container(deployment: dict) -> dict | None:
    for container in dig(deployment, "spec", "template", "spec", "containers") or []:
        if (container.get("args") or container.get("command") or [None])[0] == "serve":
            return container
    return None


def find_watcher_container(deployment: dict) -> dict | None:
    """The container running `echoterra-bot watch daemon`."""
    for container in dig(deployment, "spec", "template", "spec", "containers") or []:
        if (container.get("args") or container.get("command") or [])[:2] == WATCH_ARGS:
            return container
    return None


def secret_refs(deployment: dict, bot: dict | None = None) -> dict[tuple[str, str], str]:
    """(Secret, key) -> the NAME_FILE variable that reads it, for every secret file the bot reads."""
    refs = {}
    pod = dig(deployment, "spec", "template", "spec") or {}
    bot = bot or find_bot_container(deployment) or {}
    for env in bot.get("env") or []:
        if env.get("name") in SECRET_FILE_ENV:
            found = secret_volume_file(pod, bot, str(env.get("value")))
            if found:
                refs[(found[1], found[2])] = env.get("name")
    return refs


def secret_volume_file(pod: dict, container: dict, file: str) -> tuple[dict, str, str, dict] | None:
    """The Secret volume that holds `file` in `container`: (volume mount, Secret name, key, volume)."""
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    for mount in container.get("volumeMounts") or []:
        root = str(mount.get("mountPath", "")).rstrip("/") + "/"
        volume = volumes.get(mount.get("name")) or {}
        if not file.startswith(root) or "secret" not in volume:
            continue
        relative = file[len(root):]
        items = dig(volume, "secret", "items")
        if items:
            keys = [item.get("key") for item in items if item.get("path") == relative]
            if not keys:
                continue
            relative = keys[0]
        return mount, dig(volume, "secret", "secretName"), relative, volume
    return None


def secret_file(c: Checker, path: Path, pod: dict, bot: dict, bot_field: str, name: str, file: Any,
                required: set[str] = REQUIRED_SECRET_ENV) -> None:
    """NAME_FILE points into a read-only Secret volume whose files the bot's user can read."""
    field = f"{bot_field}.env[{name}]"
    if not c.check(isinstance(file, str) and file.startswith("/"), path, field,
                   f"is {file!r}: must be a plain value, the absolute path of a file of the mounted Secret"):
        return
    found = secret_volume_file(pod, bot, file)
    if not c.check(found is not None, path, field,
                   f"{file} is not in a Secret volume mounted in the bot container"):
        return
    mount, _, key, volume = found
    c.check(mount.get("readOnly") is True, path, f"{bot_field}.volumeMounts[{mount.get('name')}].readOnly",
            "must be true")
    c.check(name[:-len("_FILE")] not in required or not dig(volume, "secret", "optional"), path,
            f"spec.template.spec.volumes[{volume.get('name')}].secret.optional",
            f"{name[:-len('_FILE')]} is required: the Secret must not be optional")
    # The kubelet writes the files as root, group fsGroup (when set), mode defaultMode.
    mode = dig(volume, "secret", "defaultMode")
    mode = 0o644 if mode is None else mode
    for item in dig(volume, "secret", "items") or []:
        if item.get("key") == key and item.get("mode") is not None:
            mode = item["mode"]
    fs_group = dig(pod, "securityContext", "fsGroup")
    readable = isinstance(mode, int) and (mode & 0o004 or (mode & 0o040 and fs_group not in (None, 0)))
    c.check(bool(readable), path, f"spec.template.spec.volumes[{volume.get('name')}].secret.defaultMode",
            f"{oct(mode) if isinstance(mode, int) else mode!r} with fsGroup {fs_group!r}: the files are root's, "
            f"so the bot (non-root) could not read them (exit {EX_CONFIG}); give them the bot's group "
            "(fsGroup) and a group-readable mode such as 0440")


def check_pod_containers(c: Checker, path: Path, pod: dict, prefix: str) -> list[tuple[str, int, dict]]:
    """Every container of a pod (`prefix`: where the pod spec is): non-root, read-only,
    no privilege escalation, no capability, resource requests and limits, no secret in
    the environment. Returns (field, index, container) for each."""
    containers = [(f"{prefix}.containers", i, ct) for i, ct in enumerate(pod.get("containers") or [])]
    containers += [(f"{prefix}.initContainers", i, ct) for i, ct in enumerate(pod.get("initContainers") or [])]
    pod_security = pod.get("securityContext") or {}
    for where, i, container in containers:
        field = f"{where}[{i}]({container.get('name')})"
        sc = container.get("securityContext") or {}
        non_root = sc.get("runAsNonRoot", pod_security.get("runAsNonRoot"))
        c.check(non_root is True, path, f"{field}.securityContext.runAsNonRoot", "must be true")
        uid = sc.get("runAsUser", pod_security.get("runAsUser"))
        c.check(uid is None or (isinstance(uid, int) and uid > 0), path,
                f"{field}.securityContext.runAsUser", f"is {uid!r}; must be a non-zero uid")
        c.check(sc.get("readOnlyRootFilesystem") is True, path,
                f"{field}.securityContext.readOnlyRootFilesystem", "must be true")
        c.check(sc.get("allowPrivilegeEscalation") is False, path,
                f"{field}.securityContext.allowPrivilegeEscalation", "must be false")
        c.check("ALL" in (dig(sc, "capabilities", "drop") or []), path,
                f"{field}.securityContext.capabilities.drop", "must contain ALL")
        for kind in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                c.check(dig(container, "resources", kind, resource) is not None, path,
                        f"{field}.resources.{kind}.{resource}", "missing")
        for env in container.get("env") or []:
            name = env.get("name")
            c.check(name in KNOWN_ENV, path, f"{field}.env[{name}]",
                    f"is not a variable the bot reads ({', '.join(sorted(KNOWN_ENV))})")
            c.check(name not in SECRET_ENV, path, f"{field}.env[{name}]",
                    f"is a secret in the environment, which `kubectl describe` and /proc/<pid>/environ "
                    f"show: mount the Secret as files and set {name}_FILE instead")
        for i_from, source in enumerate(container.get("envFrom") or []):
            secret = dig(source, "secretRef", "name")
            c.check(secret is None, path, f"{field}.envFrom[{i_from}].secretRef",
                    f"puts every key of Secret {secret!r} in the environment: mount it as files instead")

    return containers


def check_deployment(c: Checker, path: Path, deployment: dict, bot: dict, role: str, commands_cm: str | None,
                     generators: dict, settings: dict[str, str]) -> None:
    """`serve` (role "serve") or the watcher (role "watcher", `watch daemon`): the same
    pod rules, but the watcher has one replica or more and no listener but OPS_LISTEN."""
    spec = deployment.get("spec") or {}
    pod = dig(spec, "template", "spec") or {}
    replicas = spec.get("replicas")
    if role == "serve":
        c.check(isinstance(replicas, int) and replicas >= 2, path, "spec.replicas",
                f"is {replicas!r}; serve must run at least 2 replicas")
    else:
        # One per store is the rule; more are safe (each watch is leased to one process).
        c.check(isinstance(replicas, int) and replicas >= 1, path, "spec.replicas",
                f"is {replicas!r}; the watcher must run at least 1 replica, or nothing is watched")
    c.check(dig(spec, "strategy", "rollingUpdate", "maxUnavailable") in (0, "0", "0%"), path,
            "spec.strategy.rollingUpdate.maxUnavailable",
            "must be 0 for deploys without downtime" if role == "serve"
            else "must be 0, so a rolling update leaves no gap in the watching")

    selector = dig(spec, "selector", "matchLabels") or {}
    labels = dig(spec, "template", "metadata", "labels") or {}
    c.check(bool(selector) and selector.items() <= labels.items(), path, "spec.selector.matchLabels",
            f"{selector} does not match the pod template's labels {labels}")

    containers = check_pod_containers(c, path, pod, "spec.template.spec")
    bot_field = f"spec.template.spec.containers[{pod['containers'].index(bot)}]({bot.get('name')})"
    env = {e.get("name"): e for e in bot.get("env") or []}

    # Two listeners on the pod's address: interactions on HTTP_LISTEN for the Service,
    # the operators' endpoints on OPS_LISTEN for the probes and Prometheus. The watcher
    # has the second alone.
    ports = {p.get("name"): p.get("containerPort") for p in bot.get("ports") or []}
    if role == "serve":
        listen = dig(env, "HTTP_LISTEN", "value") or "127.0.0.1:8080"
        host, listen_port = split_host_port(listen)
        c.check(host in {"0.0.0.0", "::"}, path, f"{bot_field}.env[HTTP_LISTEN]",
                f"is {listen!r}: the Service reaches the pod's address, so listen on 0.0.0.0")
        c.check(listen_port in ports.values(), path, f"{bot_field}.ports",
                f"no containerPort {listen_port} (the HTTP_LISTEN port)")
    else:
        listen = None
        c.check("HTTP_LISTEN" not in env, path, f"{bot_field}.env[HTTP_LISTEN]",
                "is set: the watcher takes no interactions and has no public listener")
        c.check(set(ports) <= {"ops"}, path, f"{bot_field}.ports",
                f"{sorted(map(str, ports))}: the watcher's only port is ops (OPS_LISTEN)")
    ops_port = check_listeners(c, path, f"{bot_field}.env[{{}}]", listen, dig(env, "OPS_LISTEN", "value"),
                               {"0.0.0.0", "::"}, "0.0.0.0:<port> (or [::]), the pod's address, which the "
                               "kubelet and Prometheus reach")
    c.check(ops_port is not None and ports.get("ops") == ops_port, path, f"{bot_field}.ports[ops]",
            f"needs a containerPort named ops, {ops_port} (the OPS_LISTEN port), for the probes and scrapes")
    for probe, wanted in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"),
                          ("startupProbe", "/healthz")):
        if probe == "startupProbe" and probe not in bot:
            continue
        get = dig(bot, probe, "httpGet") or {}
        c.check(get.get("path") == wanted, path, f"{bot_field}.{probe}.httpGet.path",
                f"is {get.get('path')!r}, must be {wanted}")
        port = get.get("port")
        c.check(ops_port is not None and ports.get(port, port) == ops_port, path,
                f"{bot_field}.{probe}.httpGet.port",
                f"{port!r} is not the OPS_LISTEN port {ops_port}: /healthz and /readyz are never on HTTP_LISTEN")
    annotations = dig(spec, "template", "metadata", "annotations") or {}
    if truthy(annotations.get("prometheus.io/scrape")):
        scrape_port = str(annotations.get("prometheus.io/port"))
        c.check(ops_port is not None and scrape_port == str(ops_port), path,
                "spec.template.metadata.annotations[prometheus.io/port]",
                f"is {scrape_port!r}, not the OPS_LISTEN port {ops_port} where /metrics is")
        c.check(annotations.get("prometheus.io/path", "/metrics") == "/metrics", path,
                "spec.template.metadata.annotations[prometheus.io/path]", "must be /metrics")

    # The catalogue: COMMANDS_DIR is where the generated ConfigMap is mounted.
    commands_dir = dig(env, "COMMANDS_DIR", "value")
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    mounts = {m.get("mountPath"): m for m in bot.get("volumeMounts") or []}
    if c.check(bool(commands_dir), path, f"{bot_field}.env[COMMANDS_DIR]", "missing"):
        mount = mounts.get(commands_dir)
        if c.check(mount is not None, path, f"{bot_field}.volumeMounts",
                   f"nothing is mounted at COMMANDS_DIR {commands_dir}"):
            c.check(not mount.get("subPath"), path, f"{bot_field}.volumeMounts[{commands_dir}].subPath",
                    "a subPath mount hides all but one catalogue file")
            volume = volumes.get(mount.get("name")) or {}
            cm = dig(volume, "configMap", "name")
            c.check(cm is not None and cm == commands_cm, path,
                    f"spec.template.spec.volumes[{mount.get('name')}].configMap.name",
                    f"is {cm!r}, not the catalogue ConfigMap {commands_cm!r} generated from commands/")

    # Secrets as files: each NAME_FILE names a file of a Secret volume mounted in the bot
    # container, which the bot's user can read.
    required = REQUIRED_SECRET_ENV if role == "serve" else WATCHER_REQUIRED_SECRET_ENV
    for name in sorted(required):
        why = (f"{name} comes from a file of the mounted Secret" if name != "DATABASE_URL"
               else f"the {replicas!r} replicas share one PostgreSQL, named by DATABASE_URL from a file of the "
               "mounted Secret; without it each pod would keep a SQLite file of its own (on a read-only "
               "root, exit 78) and split the limits" if role == "serve"
               else "the watcher works on the store of `serve`, the PostgreSQL of DATABASE_URL from a file of "
               "the mounted Secret; without it the pod would keep a SQLite file of its own (on a read-only "
               "root, exit 78) that `serve` never sees")
        c.check(f"{name}_FILE" in env, path, f"{bot_field}.env[{name}_FILE]", f"missing: {why}")
    for name in sorted(set(env) & SECRET_FILE_ENV):
        secret_file(c, path, pod, bot, bot_field, name, dig(env, name, "value"), required)

    # The resolver: another container of the pod, serving DNS_SERVERS.
    dns = dig(env, "DNS_SERVERS", "value")
    resolvers = [ct for _, _, ct in containers if ct is not bot and "unbound" in str(ct.get("image"))]
    if c.check(bool(resolvers), path, "spec.template.spec", "no resolver (Unbound) container in the pod"):
        resolver = resolvers[0]
        resolver_field = next(f"{where}[{i}]({ct.get('name')})" for where, i, ct in containers if ct is resolver)
        if resolver in (pod.get("initContainers") or []):
            c.check(resolver.get("restartPolicy") == "Always", path, f"{resolver_field}.restartPolicy",
                    "must be Always (a sidecar that runs beside the bot)")
        c.check(bool(resolver.get("livenessProbe") or resolver.get("startupProbe")), path,
                f"{resolver_field}.livenessProbe", "missing")
        conf = resolver_config(c, path, pod, resolver, resolver_field, generators)
        if c.check(bool(dns), path, f"{bot_field}.env[DNS_SERVERS]", "missing: the bot would use the cluster DNS"):
            ip, port = split_host_port(dns.split(",")[0])
            c.check(ip.startswith("127."), path, f"{bot_field}.env[DNS_SERVERS]",
                    f"{dns!r}: a sidecar resolver is reached on loopback")
            if conf:
                check_resolver_reach(c, conf, ip, port or 53, path, f"{bot_field}.env[DNS_SERVERS]")

    # Shutdown: the pod is killed only after preStop and the bot's own grace period.
    grace = int(settings.get("SHUTDOWN_GRACE_SECONDS") or dig(env, "SHUTDOWN_GRACE_SECONDS", "value")
                or DEFAULT_SHUTDOWN_GRACE)
    pre_stop = dig(bot, "lifecycle", "preStop", "sleep", "seconds") or 0
    termination = pod.get("terminationGracePeriodSeconds", 30)
    c.check(termination >= pre_stop + grace + 5, path, "spec.template.spec.terminationGracePeriodSeconds",
            f"{termination} s is too short for preStop ({pre_stop} s) + SHUTDOWN_GRACE_SECONDS ({grace} s) + 5 s")


def resolver_config(c: Checker, path: Path, pod: dict, resolver: dict, field: str,
                    generators: dict) -> Path | None:
    """The unbound.conf that the resolver container reads, from its ConfigMap generator."""
    wanted = resolver_config_path()
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    for mount in resolver.get("volumeMounts") or []:
        cm = dig(volumes.get(mount.get("name")), "configMap", "name")
        if cm not in generators:
            continue
        for entry in generators[cm].get("files") or []:
            key, _, source = entry.rpartition("=") if "=" in entry else ("", "", entry)
            key = key or Path(source).name
            if f"{mount.get('mountPath').rstrip('/')}/{key}" == wanted:
                return K8S / source
    c.fail(path, f"{field}.volumeMounts",
           f"no generated ConfigMap provides {wanted}, the file the resolver image reads")
    return None


def resolver_config_path() -> str:
    """The -c argument of the resolver image's ENTRYPOINT."""
    for instruction, args in parse_dockerfile(RESOLVER_DOCKERFILE)[-1]:
        if instruction == "ENTRYPOINT":
            argv = json.loads(args)
            return argv[argv.index("-c") + 1]
    return "/etc/unbound/echoterra/unbound.conf"


def check_kustomize_render(c: Checker, kustomization_path: Path, commands_cm: str | None) -> None:
    kubectl = shutil.which("kubectl")
    if not kubectl:
        c.note("kubectl not installed: the kustomization was checked by reading it, not rendered")
        return
    run = subprocess.run([kubectl, "kustomize", "--load-restrictor=LoadRestrictionsNone", str(K8S)],
                         capture_output=True, text=True, timeout=60)
    if not c.check(run.returncode == 0, kustomization_path, "kubectl kustomize",
                   f"fails: {run.stderr.strip()[:500]}"):
        return
    rendered = [d for d in yaml.safe_load_all(run.stdout) if d]
    maps = [d for d in rendered if d.get("kind") == "ConfigMap"
            and str(dig(d, "metadata", "name")).startswith(f"{commands_cm}-")]
    if c.check(len(maps) == 1, kustomization_path, "kubectl kustomize",
               f"renders no single ConfigMap {commands_cm}-<hash>"):
        keys = set(maps[0].get("data") or {})
        for file in sorted(p.name for p in (ROOT / "commands").iterdir() if p.is_file()):
            c.check(file in keys, kustomization_path, "kubectl kustomize",
                    f"the rendered catalogue ConfigMap lacks {file}")


# ------------------------------------------------------------------------- Unbound


def parse_unbound(path: Path) -> dict[str, list[tuple[str, str]]]:
    """clause -> [(option, value)], with comments and quotes removed."""
    clauses: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key, _, value = line.partition(":")
        value = value.strip().strip('"')
        if not value and not raw[0].isspace():
            current = key.strip()
            clauses.setdefault(current, [])
        elif current is not None:
            clauses[current].append((key.strip(), value))
    return clauses


def check_unbound(c: Checker, path: Path) -> None:
    clauses = parse_unbound(path)
    server = clauses.get("server")
    if not c.check(server is not None, path, "server:", "missing"):
        return
    options: dict[str, list[str]] = {}
    for key, value in server:
        options.setdefault(key, []).append(value)
    for clause in ("forward-zone", "stub-zone"):
        c.check(clause not in clauses, path, f"{clause}:",
                "present: the resolver must recurse itself, not forward (blocklists refuse public resolvers)")
    for option in ("log-queries", "log-replies"):
        c.check(not any(truthy(v) for v in options.get(option, [])), path, f"server.{option}",
                "must not be yes: queries name customers' domains and addresses")
    c.check(options.get("port", ["53"])[-1].isdigit(), path, "server.port", "must be a number")
    acl = [v.split() for v in options.get("access-control", [])]
    for net, action in ((a[0], a[1]) for a in acl if len(a) == 2):
        if action.startswith("allow"):
            c.check(ipaddress.ip_network(net, strict=False).prefixlen > 0, path,
                    f"server.access-control {net} {action}", "opens the resolver to the whole internet")
    c.check(any(a[:2] == ["0.0.0.0/0", "refuse"] or a[:2] == ["0.0.0.0/0", "deny"] for a in acl), path,
            "server.access-control", "needs '0.0.0.0/0 refuse' so only the networks allowed after it may ask")
    # Second to the bot's own address policy: no answer pointing into a private network
    # (DNS rebinding), no query sent to a private or loopback nameserver.
    private = {ipaddress.ip_network(v, strict=False) for v in options.get("private-address", [])}
    for network in NON_PUBLIC:
        if network.is_loopback:
            continue
        c.check(any(network.subnet_of(p) for p in private if p.version == network.version), path,
                "server.private-address", f"does not cover {network}: an answer pointing there would be "
                "passed on (DNS rebinding into the cluster, a private network or a metadata service)")
    for network in private:
        c.check(not network.overlaps(ipaddress.ip_network("127.0.0.0/8")) if network.version == 4 else True,
                path, f"server.private-address {network}",
                "covers 127.0.0.0/8, where DNS blocklists answer \"listed\" (127.0.0.x): /blacklist would "
                "see every address as not listed")
    unqueried = {ipaddress.ip_network(v, strict=False) for v in options.get("do-not-query-address", [])}
    if not any(v.strip() == "no" for v in options.get("do-not-query-localhost", [])):
        unqueried |= {ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")}
    for network in NON_PUBLIC:
        c.check(any(network.subnet_of(u) for u in unqueried if u.version == network.version), path,
                "server.do-not-query-address", f"does not cover {network}: a delegation could send "
                "queries (with customers' names) to a nameserver there")
    # The files it names come from the resolver image (Debian's dns-root-data), not from
    # this machine: the image must install them.
    host_files = {key: value for key, value in server if key in UNBOUND_HOST_FILES}
    if any(value.startswith("/usr/share/dns/") for value in host_files.values()):
        installed = " ".join(rest for stage in parse_dockerfile(RESOLVER_DOCKERFILE)
                             for instruction, rest in stage if instruction == "RUN")
        c.check(bool(re.search(r"apt-get install[^&;]*\bdns-root-data\b", installed)), path,
                "server.root-hints", f"names {', '.join(sorted(set(host_files.values())))}, which "
                f"{rel(RESOLVER_DOCKERFILE)} does not install (apt-get install ... dns-root-data)")
    checkconf = shutil.which(UNBOUND_CHECKCONF)
    if checkconf:
        check_unbound_checkconf(c, path, checkconf)
    else:
        c.note(f"unbound-checkconf not installed: {rel(path)} was checked by reading it only")


# The options whose files unbound-checkconf opens (or whose folder it enters): on the
# resolver image they exist, on this machine they may not (unbound without Debian's
# dns-root-data has no /usr/share/dns/root.hints). Each is replaced, in a copy of the
# configuration, by a stand-in of the same kind, so the answer is the same on every
# machine: a folder, or a file with a valid line of the right shape.
UNBOUND_HOST_FILES = {
    "directory": None,
    "root-hints": ".\t3600000\tNS\ta.root-servers.net.\na.root-servers.net.\t3600000\tA\t198.41.0.4\n",
    # The 2017 root KSK's DS record (IANA's root-anchors).
    "trust-anchor-file": ".\tIN\tDS\t20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n",
    "auto-trust-anchor-file": ".\tIN\tDS\t20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n",
}
# What check_unbound runs (a name on PATH or a path): the self-test points it elsewhere.
UNBOUND_CHECKCONF = "unbound-checkconf"


def check_unbound_checkconf(c: Checker, path: Path, checkconf: str) -> None:
    """unbound-checkconf over a copy of `path` whose host files are stand-ins in a
    temporary folder (UNBOUND_HOST_FILES)."""
    with tempfile.TemporaryDirectory() as tmp:
        pattern = re.compile(r"^(\s*)(" + "|".join(map(re.escape, UNBOUND_HOST_FILES)) + r")(\s*:\s*).*$")
        lines = []
        for line in path.read_text().splitlines():
            match = pattern.match(line.split("#", 1)[0])
            if match:
                option = match.group(2)
                stand_in = Path(tmp) / option
                if UNBOUND_HOST_FILES[option] is None:
                    stand_in = Path(tmp)
                else:
                    stand_in.write_text(UNBOUND_HOST_FILES[option])
                line = f'{match.group(1)}{option}{match.group(3)}"{stand_in}"'
            lines.append(line)
        copy = Path(tmp) / path.name
        copy.write_text("\n".join(lines) + "\n")
        run = subprocess.run([checkconf, str(copy)], capture_output=True, text=True, timeout=30)
        output = (run.stdout + run.stderr).replace(str(copy), rel(path)).replace(tmp, "<stand-in>")
        # The pid in unbound's log lines differs from run to run.
        output = re.sub(r"^\[\d+\] unbound-checkconf\[\d+:\d+\] ", "unbound-checkconf: ", output.strip(), flags=re.M)
        c.check(run.returncode == 0, path, "unbound-checkconf", output)


def check_resolver_reach(c: Checker, conf: Path, ip: str, port: int, file: Path, field: str) -> None:
    """Does the Unbound of `conf` listen on ip:port and answer that address?"""
    options: dict[str, list[str]] = {}
    for key, value in parse_unbound(conf).get("server", []):
        options.setdefault(key, []).append(value)
    c.check(int(options.get("port", ["53"])[-1]) == port, file, field,
            f"port {port}, but {rel(conf)} listens on port {options.get('port', ['53'])[-1]}")
    interfaces = options.get("interface", ["127.0.0.1"])
    c.check(any(i in {"0.0.0.0", "::", ip} for i in interfaces), file, field,
            f"{ip}, but {rel(conf)} listens only on {', '.join(interfaces)}")
    # Unbound applies the most specific access-control that holds the address, after
    # built-in defaults that the file's own entries for the same block replace.
    defaults = ["0.0.0.0/0 refuse", "127.0.0.0/8 allow", "::0/0 refuse", "::1 allow"]
    address = ipaddress.ip_address(ip)
    best: tuple[int, str] | None = None
    for entry in defaults + options.get("access-control", []):
        net, _, action = entry.partition(" ")
        network = ipaddress.ip_network(net, strict=False)
        if address.version == network.version and address in network:
            if best is None or network.prefixlen >= best[0]:
                best = (network.prefixlen, action.strip())
    allowed = best is not None and best[1].startswith("allow")
    c.check(allowed, file, field, f"{ip} is not allowed by access-control in {rel(conf)}")


# ------------------------------------------------------------------------- Compose


def check_compose(c: Checker, documents: dict[Path, list[Any]]) -> None:
    if not c.check(COMPOSE in documents, COMPOSE, "(file)", "missing") or documents[COMPOSE] is None:
        return
    compose = documents[COMPOSE][0]
    services = compose.get("services") or {}
    bots = {n: s for n, s in services.items()
            if "echoterra-bot" in str(s.get("image")) or dig(s, "build", "context") in ("..", "../")}
    resolvers = {n: s for n, s in services.items() if "unbound" in str(s.get("image")) + str(s.get("build"))}
    c.check(bool(bots), COMPOSE, "services", "no service runs the bot (image echoterra-bot or build context ..)")
    c.check(bool(resolvers), COMPOSE, "services", "no resolver service (Unbound)")
    for name, service in services.items():
        field = f"services.{name}"
        c.check(service.get("restart") in {"always", "unless-stopped", "on-failure"}, COMPOSE,
                f"{field}.restart", f"is {service.get('restart')!r}: always, unless-stopped or on-failure")
        test = dig(service, "healthcheck", "test")
        c.check(bool(test) and test != ["NONE"] and not dig(service, "healthcheck", "disable"), COMPOSE,
                f"{field}.healthcheck.test", "missing")
        check_compose_resources(c, field, service)
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(e.split("=", 1) if "=" in e else (e, None) for e in environment)
        for key in environment:
            c.check(key not in SECRET_ENV, COMPOSE, f"{field}.environment.{key}",
                    f"is a secret in the environment, which `docker inspect` and /proc/<pid>/environ show: "
                    f"mount it as a Compose secret and set {key}_FILE instead")
    for name, bot in bots.items():
        field = f"services.{name}"
        env_files = bot.get("env_file") or []
        env_files = [env_files] if isinstance(env_files, str) else env_files
        env_files = [e["path"] if isinstance(e, dict) else e for e in env_files]
        c.check(bool(env_files), COMPOSE, f"{field}.env_file", "missing: the settings come from .env")
        for env_file in env_files:
            c.check((COMPOSE.parent / env_file).resolve() == ROOT / ".env", COMPOSE, f"{field}.env_file",
                    f"{env_file!r} is not the repository's .env (../.env)")
        environment = bot.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(e.split("=", 1) for e in environment)
        for key in environment:
            c.check(key in KNOWN_ENV, COMPOSE, f"{field}.environment.{key}", "is not a variable the bot reads")
        c.check(bot.get("command") in (["run"], ["serve"], "run", "serve", WATCH_ARGS, " ".join(WATCH_ARGS)),
                COMPOSE, f"{field}.command", "must be run, serve or watch daemon")
        if compose_is_watcher(bot):
            c.check(not bot.get("ports"), COMPOSE, f"{field}.ports",
                    "publishes a port: the watcher has no public listener (its OPS_LISTEN serves the health "
                    "check inside the container)")
        check_compose_listeners(c, field, bot, environment)
        check_compose_secrets(c, compose, field, bot, environment)
        grace = parse_duration(bot.get("stop_grace_period", "10s"))
        c.check(grace is not None and grace > DEFAULT_SHUTDOWN_GRACE, COMPOSE, f"{field}.stop_grace_period",
                f"must be longer than the bot's SHUTDOWN_GRACE_SECONDS ({DEFAULT_SHUTDOWN_GRACE} s)")
        dns = environment.get("DNS_SERVERS")
        if not c.check(bool(dns), COMPOSE, f"{field}.environment.DNS_SERVERS", "missing: the bot needs the resolver"):
            continue
        ip, port = split_host_port(str(dns).split(",")[0])
        port = port or 53
        reached = False
        for rname, resolver in resolvers.items():
            for net_name, net in (resolver.get("networks") or {}).items():
                if (net or {}).get("ipv4_address") != ip:
                    continue
                reached = True
                bot_nets = bot.get("networks") or []
                c.check(net_name in bot_nets, COMPOSE, f"{field}.networks",
                        f"the bot is not on network {net_name}, where {rname} has {ip}")
                subnets = [s.get("subnet") for s in dig(compose, "networks", net_name, "ipam", "config") or []]
                c.check(any(ipaddress.ip_address(ip) in ipaddress.ip_network(s) for s in subnets if s), COMPOSE,
                        f"networks.{net_name}.ipam.config", f"no subnet holds {ip}")
                conf = compose_resolver_config(c, rname, resolver)
                if conf:
                    # The bot's own address on that network is in the subnet: Unbound must allow it.
                    for subnet in subnets:
                        check_resolver_reach(c, conf, str(next(ipaddress.ip_network(subnet).hosts())),
                                             port, COMPOSE, f"{field}.environment.DNS_SERVERS (via {subnet})")
                    check_resolver_reach(c, conf, ip, port, COMPOSE, f"{field}.environment.DNS_SERVERS")
        c.check(reached, COMPOSE, f"{field}.environment.DNS_SERVERS",
                f"{dns!r} is not the fixed ipv4_address of a resolver service")
    c.check(any(compose_is_watcher(s) for s in bots.values()), COMPOSE, "services",
            "no service runs the watcher (command: [\"watch\", \"daemon\"]): nothing would check the watches")
    check_compose_store(c, compose, services, bots)


def parse_size(text: Any) -> float | None:
    """Docker's sizes: '10m', '256m', '1g', '512k', '1048576' (bytes)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([bkmg]?)b?", str(text).strip().lower())
    if not match:
        return None
    return float(match.group(1)) * {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match.group(2)]


def check_compose_resources(c: Checker, field: str, service: dict) -> None:
    """Rotated logs (json-file or local with max-size and max-file) and a memory and CPU
    ceiling, as mem_limit/cpus or deploy.resources.limits (both work with a plain
    `docker compose up`)."""
    logging = service.get("logging") or {}
    driver = logging.get("driver", "json-file")
    options = logging.get("options") or {}
    if c.check(driver in {"json-file", "local"}, COMPOSE, f"{field}.logging.driver",
               f"is {driver!r}: json-file (what `docker compose logs` reads) or local, with rotation"):
        size = options.get("max-size")
        c.check(isinstance(size, str) and parse_size(size) is not None and parse_size(size) > 0, COMPOSE,
                f"{field}.logging.options.max-size",
                f"is {size!r}: a quoted size such as \"10m\"; without it the log grows until the disk is full"
                if driver == "json-file" else f"is {size!r}: a quoted size such as \"10m\"")
        files = options.get("max-file")
        c.check(isinstance(files, str) and files.isdigit() and int(files) >= 1, COMPOSE,
                f"{field}.logging.options.max-file", f"is {files!r}: a quoted count such as \"5\" (Docker "
                "takes log options as strings)")
    limits = dig(service, "deploy", "resources", "limits") or {}
    memory = service.get("mem_limit", limits.get("memory"))
    c.check(memory is not None and parse_size(memory) is not None and parse_size(memory) >= 16 * 1024**2,
            COMPOSE, f"{field}.mem_limit", f"is {memory!r}: set a memory ceiling (mem_limit: 256m, or "
            "deploy.resources.limits.memory), so a leak is stopped before the host swaps")
    cpus = service.get("cpus", limits.get("cpus"))
    try:
        cpus_ok = cpus is not None and float(cpus) > 0
    except (TypeError, ValueError):
        cpus_ok = False
    c.check(cpus_ok, COMPOSE, f"{field}.cpus", f"is {cpus!r}: set a CPU ceiling (cpus: 1.0, or "
            "deploy.resources.limits.cpus)")


def compose_is_watcher(service: dict) -> bool:
    command = service.get("command")
    command = command.split() if isinstance(command, str) else command or []
    return command[:2] == WATCH_ARGS


def check_compose_listeners(c: Checker, field: str, bot: dict, environment: dict) -> None:
    """OPS_LISTEN set apart from HTTP_LISTEN, published (if at all) on the host's loopback
    only, and asked by the health check."""
    ops_port = check_listeners(c, COMPOSE, f"{field}.environment.{{}}", environment.get("HTTP_LISTEN"),
                               environment.get("OPS_LISTEN"), {"0.0.0.0", "::"},
                               "0.0.0.0:<port>, the container's every address, which a published port reaches")
    for i, entry in enumerate(bot.get("ports") or []):
        if isinstance(entry, dict):
            host_ip, target = str(entry.get("host_ip", "")), entry.get("target")
        else:
            # [host_ip:][published:]target[/protocol]; an IPv6 host_ip is bracketed.
            text = str(entry).split("/")[0]
            ip = re.match(r"^\[([^\]]+)\]:(.*)$", text)
            host_ip, rest = (ip.group(1), ip.group(2)) if ip else ("", text)
            parts = rest.split(":")
            if not ip and len(parts) == 3:
                host_ip = parts[0]
            target = parts[-1]
        if str(target) == str(ops_port):
            c.check(host_ip in {"127.0.0.1", "::1"}, COMPOSE, f"{field}.ports[{i}]",
                    f"{entry!r} publishes /healthz, /readyz and /metrics (OPS_LISTEN) to every network of "
                    "the host: bind it to 127.0.0.1, or do not publish it")
    test = dig(bot, "healthcheck", "test") or []
    c.check(test == ["CMD", BINARY, "health"], COMPOSE, f"{field}.healthcheck.test",
            f'must be ["CMD", "{BINARY}", "health"], which asks OPS_LISTEN\'s /healthz')


def check_compose_secrets(c: Checker, compose: dict, field: str, bot: dict, environment: dict) -> None:
    """Every secret a file: a Compose secret from a file git and the image never see,
    mounted in the bot, and named to it by NAME_FILE."""
    mounted = compose_secret_mounts(c, compose, field, bot)
    command = bot.get("command")
    command = command[0] if isinstance(command, list) and command else command
    needed = {"DISCORD_TOKEN"} | ({"DISCORD_PUBLIC_KEY"} if command == "serve" else set())
    for name in sorted(needed):
        c.check(f"{name}_FILE" in environment, COMPOSE, f"{field}.environment.{name}_FILE",
                f"missing: {name} comes from a mounted secret file")
    for name in sorted(set(environment) & SECRET_FILE_ENV):
        value = str(environment[name])
        c.check(value in mounted, COMPOSE, f"{field}.environment.{name}",
                f"{value!r} is not where a secret of the service is mounted ({', '.join(sorted(mounted)) or 'none'})")


def compose_secret_mounts(c: Checker, compose: dict, field: str, service: dict) -> dict[str, str]:
    """The service's secrets, path in the container -> secret; each must be a declared
    file secret that git and the image build never see."""
    declared = compose.get("secrets") or {}
    mounted: dict[str, str] = {}  # path in the container -> secret
    for i, entry in enumerate(service.get("secrets") or []):
        source = entry.get("source") if isinstance(entry, dict) else entry
        target = (entry.get("target") if isinstance(entry, dict) else None) or source
        target = target if str(target).startswith("/") else f"/run/secrets/{target}"
        mounted[target] = source
        if not c.check(source in declared, COMPOSE, f"{field}.secrets[{i}]",
                       f"{source!r} is not declared under the top-level secrets:"):
            continue
        file = (declared[source] or {}).get("file")
        if not c.check(bool(file), COMPOSE, f"secrets.{source}.file",
                       "missing: the secret's value comes from a file of the host"):
            continue
        host_path = (COMPOSE.parent / file).resolve()
        if host_path.is_relative_to(ROOT):
            ignored_by_git = git_ignores(host_path)
            if ignored_by_git is None:
                c.note("git not installed: whether .gitignore keeps the Compose secrets out was not checked")
            else:
                c.check(ignored_by_git, ROOT / ".gitignore", rel(host_path),
                        f"is not ignored, so the secret {source} could be committed")
            c.check(ignored(rel(host_path), dockerignore_patterns(ROOT)), ROOT / ".dockerignore",
                    rel(host_path), f"is not excluded, so the secret {source} would be sent to every build")
    return mounted


def compose_environment(service: dict) -> dict[str, Any]:
    """A service's environment: as a mapping, whether written as one or as a list."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(e.split("=", 1) if "=" in e else (e, None) for e in environment)
    return environment


def compose_named_volume(c: Checker, compose: dict, field: str, service: dict, target: str, what: str) -> None:
    """A named volume (declared at the top level, kept by `down`) mounted at `target`."""
    declared = compose.get("volumes") or {}
    for i, entry in enumerate(service.get("volumes") or []):
        if isinstance(entry, dict):
            source, dest = entry.get("source"), entry.get("target")
        else:
            source, _, rest = str(entry).partition(":")
            dest = rest.split(":")[0]
        if str(dest).rstrip("/") != target:
            continue
        c.check(source in declared, COMPOSE, f"{field}.volumes[{i}]",
                f"{source!r} at {target} is not a named volume declared under the top-level volumes: "
                f"{what} belongs in one, which `down` and `up` keep")
        return
    c.fail(COMPOSE, f"{field}.volumes", f"nothing mounted at {target}: {what} would live in the container "
           "and be lost with it (or fail under read_only)")


def check_compose_store(c: Checker, compose: dict, services: dict, bots: dict) -> None:
    """The store: the bot's DATA_DIR on a named volume (the SQLite default), the bot
    started without any profile, and PostgreSQL as a service of the `postgres` profile:
    the official image, its password a file secret, its data on a named volume, a
    pg_isready health check, on an internal network it shares with the bot."""
    image_data_dir = dockerfile_env(BOT_DOCKERFILE).get("DATA_DIR")
    postgres = {n: s for n, s in services.items() if str(s.get("image", "")).partition(":")[0] == "postgres"}
    c.check(bool(postgres), COMPOSE, "services",
            "no postgres service (image postgres:<major>, profile postgres): the kit's way to the shared store")
    for name, bot in bots.items():
        field = f"services.{name}"
        data_dir = compose_environment(bot).get("DATA_DIR") or image_data_dir
        if c.check(bool(data_dir), COMPOSE, f"{field}.environment.DATA_DIR",
                   "unset here and in the image: the SQLite store would be in ./data of the container"):
            compose_named_volume(c, compose, field, bot, str(data_dir), "the SQLite store (DATA_DIR)")
        c.check(not bot.get("profiles"), COMPOSE, f"{field}.profiles",
                "the bot must start with a plain `up`, without any profile")
        depends = bot.get("depends_on") or {}
        for dep in depends:
            required = not isinstance(depends, dict) or (depends[dep] or {}).get("required", True)
            c.check(not (dig(services, dep, "profiles") and required), COMPOSE, f"{field}.depends_on.{dep}",
                    f"{dep} starts only with its profile, so the bot could not start without it")
        for pname, pg in postgres.items():
            shared = set(bot.get("networks") or []) & set(pg.get("networks") or [])
            c.check(bool(shared), COMPOSE, f"{field}.networks",
                    f"shares no network with {pname}: the bot could not reach it by name")
    # One store for every process of the bot (the watcher works on the bot's watches): the
    # same volume at DATA_DIR, and the same DATABASE_URL secret, or none in any of them.
    stores = {}
    for name, bot in bots.items():
        data_dir = str(compose_environment(bot).get("DATA_DIR") or image_data_dir)
        volume = None
        for entry in bot.get("volumes") or []:
            source, dest = ((entry.get("source"), entry.get("target")) if isinstance(entry, dict)
                            else (str(entry).partition(":")[0], str(entry).partition(":")[2].split(":")[0]))
            if str(dest).rstrip("/") == data_dir:
                volume = source
        url_file = compose_environment(bot).get("DATABASE_URL_FILE")
        # A throw-away Checker: each service's secrets were checked above.
        url_secret = compose_secret_mounts(Checker(), compose, f"services.{name}", bot).get(str(url_file))
        stores[name] = (volume, url_secret)
    first = next(iter(stores), None)
    for name, store in stores.items():
        c.check(store == stores[first], COMPOSE, f"services.{name}",
                f"its store (volume {store[0]!r} at DATA_DIR, DATABASE_URL secret {store[1]!r}) is not that of "
                f"services.{first} ({stores[first][0]!r}, {stores[first][1]!r}): the processes would keep the "
                "limits and the watches in different stores")
    for name, pg in postgres.items():
        field = f"services.{name}"
        image = str(pg.get("image"))
        c.check(bool(re.fullmatch(r"postgres:\d+(\.\d+)?(-[\w.]+)?", image)), COMPOSE, f"{field}.image",
                f"is {image!r}: pin the official image's major version (postgres:17), since a new major "
                "cannot open the old one's data")
        c.check("postgres" in (pg.get("profiles") or []), COMPOSE, f"{field}.profiles",
                "must include postgres: it runs only when asked for (--profile postgres); SQLite is the default")
        environment = compose_environment(pg)
        c.check("POSTGRES_PASSWORD" not in environment, COMPOSE, f"{field}.environment.POSTGRES_PASSWORD",
                "is a secret in the environment: mount a file secret and set POSTGRES_PASSWORD_FILE")
        mounted = compose_secret_mounts(c, compose, field, pg)
        password = environment.get("POSTGRES_PASSWORD_FILE")
        c.check(str(password) in mounted, COMPOSE, f"{field}.environment.POSTGRES_PASSWORD_FILE",
                f"{password!r} is not where a secret of the service is mounted ({', '.join(sorted(mounted)) or 'none'})")
        pgdata = str(environment.get("PGDATA") or "/var/lib/postgresql/data")
        compose_named_volume(c, compose, field, pg, pgdata, "the database")
        test = " ".join(map(str, dig(pg, "healthcheck", "test") or []))
        c.check("pg_isready" in test, COMPOSE, f"{field}.healthcheck.test", "must ask pg_isready")
        c.check(not pg.get("ports"), COMPOSE, f"{field}.ports",
                "publishes the database: the bot reaches it over the internal network")
        for net in pg.get("networks") or []:
            c.check(dig(compose, "networks", net, "internal") is True, COMPOSE, f"networks.{net}.internal",
                    f"must be true: {name} is on it, and the database needs no way out")


def compose_resolver_config(c: Checker, name: str, resolver: dict) -> Path | None:
    wanted = resolver_config_path()
    for volume in resolver.get("volumes") or []:
        source, _, rest = str(volume).partition(":")
        if rest.split(":")[0] == wanted:
            return (COMPOSE.parent / source).resolve()
    c.fail(COMPOSE, f"services.{name}.volumes", f"nothing mounted at {wanted}, the file the resolver reads")
    return None


# ------------------------------------------------------------------------- systemd


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    pending = ""
    for raw in path.read_text().splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
        elif "=" in line and current is not None:
            key, _, value = line.partition("=")
            current.setdefault(key.strip(), []).append(value.strip())
    return sections


def check_systemd(c: Checker) -> None:
    bot = check_unit(c, UNIT, [["run"], ["serve"]], "run (or serve)")
    watcher = check_unit(c, WATCHER_UNIT, [WATCH_ARGS], " ".join(WATCH_ARGS))
    if bot is None or watcher is None:
        return
    # The watcher shares the bot's store on the same host: the same dynamic user (its
    # name is User=, else the unit's name), so systemd never hands the state directory
    # from one to the other, the same state directory and DATA_DIR, and the same
    # DATABASE_URL credential or none; and another OPS_LISTEN port, since both listen here.
    def user(path: Path, service: dict) -> str:
        return (service.get("User") or [path.stem])[-1]
    bot_service, watcher_service = bot.get("Service", {}), watcher.get("Service", {})
    c.check(user(WATCHER_UNIT, watcher_service) == user(UNIT, bot_service), WATCHER_UNIT, "[Service] User",
            f"is {user(WATCHER_UNIT, watcher_service)!r}, not the bot's dynamic user "
            f"{user(UNIT, bot_service)!r}: the two units would take the state directory (the SQLite store) "
            "from each other at every start")

    def environment(service: dict) -> dict[str, str]:
        found: dict[str, str] = {}
        for value in service.get("Environment", []):
            for assignment in shlex.split(value):
                name, _, setting = assignment.partition("=")
                found[name] = setting
        return found

    def credential(service: dict, name: str) -> str | None:
        for value in service.get("LoadCredential", []) + service.get("LoadCredentialEncrypted", []):
            key, _, source = value.partition(":")
            if key == name:
                return source or key
        return None
    bot_env, watcher_env = environment(bot_service), environment(watcher_service)
    c.check(watcher_env.get("DATA_DIR") == bot_env.get("DATA_DIR"), WATCHER_UNIT, "[Service] Environment=DATA_DIR",
            f"is {watcher_env.get('DATA_DIR')!r}, not the bot's {bot_env.get('DATA_DIR')!r}: not the same store")
    c.check(credential(watcher_service, "DATABASE_URL") == credential(bot_service, "DATABASE_URL"), WATCHER_UNIT,
            "[Service] LoadCredential=DATABASE_URL",
            f"is {credential(watcher_service, 'DATABASE_URL')!r}, the bot's is {credential(bot_service, 'DATABASE_URL')!r}: "
            "the watcher must use the bot's store (the same credential, or none in both)")
    ports = []
    for env in (bot_env, watcher_env):
        try:
            ports.append(split_host_port(env.get("OPS_LISTEN", ""))[1])
        except ValueError:
            ports.append(None)
    c.check(ports[0] != ports[1], WATCHER_UNIT, "[Service] Environment=OPS_LISTEN",
            f"port {ports[1]} is the bot's too: both run on this host, and the second to start would stop (exit 1)")


def check_unit(c: Checker, unit_path: Path, modes: list[list[str]], wanted: str) -> dict | None:
    """One unit of the bot: the hardening, the listeners, the store, the credentials;
    ExecStart runs one of `modes`. Returns the parsed unit."""
    if not c.check(unit_path.is_file(), unit_path, "(file)", "missing"):
        return None
    unit = parse_unit(unit_path)
    service = unit.get("Service", {})

    def last(key: str) -> str | None:
        return service.get(key, [None])[-1]

    for key in ("DynamicUser", "NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices",
                "ProtectKernelTunables", "ProtectKernelModules", "ProtectControlGroups",
                "RestrictNamespaces", "RestrictSUIDSGID", "LockPersonality", "MemoryDenyWriteExecute"):
        c.check(truthy(last(key)), unit_path, f"[Service] {key}", f"is {last(key)!r}, must be yes")
    c.check(last("ProtectSystem") == "strict", unit_path, "[Service] ProtectSystem", f"is {last('ProtectSystem')!r}, must be strict")
    c.check(last("Restart") == "on-failure", unit_path, "[Service] Restart", f"is {last('Restart')!r}, must be on-failure")
    c.check(bool(last("EnvironmentFile")), unit_path, "[Service] EnvironmentFile", "missing: the settings come from it")
    c.check(last("CapabilityBoundingSet") == "", unit_path, "[Service] CapabilityBoundingSet",
            "must be empty (no capabilities)")
    c.check(bool(last("RestrictAddressFamilies")), unit_path, "[Service] RestrictAddressFamilies", "missing")
    c.check(bool(service.get("SystemCallFilter")), unit_path, "[Service] SystemCallFilter", "missing")
    # Link-local and metadata addresses denied, loopback not (a local Unbound, PostgreSQL).
    denied: set[ipaddress.IPv4Network | ipaddress.IPv6Network] = set()
    for word in " ".join(service.get("IPAddressDeny", [])).split():
        if word in UNIT_ADDRESS_WORDS:
            denied |= UNIT_ADDRESS_WORDS[word]
        else:
            try:
                denied.add(ipaddress.ip_network(word, strict=False))
            except ValueError:
                c.fail(unit_path, f"[Service] IPAddressDeny={word}", "is neither an address, a prefix nor a "
                       f"keyword systemd knows ({', '.join(sorted(UNIT_ADDRESS_WORDS))})")
    for network in METADATA:
        c.check(any(network.subnet_of(d) for d in denied if d.version == network.version), unit_path,
                "[Service] IPAddressDeny", f"does not cover {network}: the bot could reach a cloud's "
                "metadata service (instance credentials) or a link-local address")
    for loopback in (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128")):
        c.check(not any(loopback.subnet_of(d) for d in denied if d.version == loopback.version), unit_path,
                "[Service] IPAddressDeny", f"covers {loopback}: a local Unbound (DNS_SERVERS) or PostgreSQL "
                "would be cut off, and so would the reverse proxy in front of HTTP_LISTEN")
    exec_start = (last("ExecStart") or "").split()
    c.check(exec_start[:1] == [BINARY] and any(exec_start[1:1 + len(m)] == m for m in modes), unit_path,
            "[Service] ExecStart", f"must be '{BINARY} {wanted}'")
    environment: dict[str, str] = {}
    for value in service.get("Environment", []):
        for assignment in shlex.split(value):
            name, _, setting = assignment.partition("=")
            environment[name] = setting
    for name in environment:
        c.check(name not in SECRET_ENV, unit_path, f"[Service] Environment={name}",
                "is a secret in the environment (/proc/<pid>/environ): give it as a credential (LoadCredential=)")
        c.check(name in KNOWN_ENV, unit_path, f"[Service] Environment={name}", "is not a variable the bot reads")
    check_listeners(c, unit_path, "[Service] Environment={}", environment.get("HTTP_LISTEN"),
                    environment.get("OPS_LISTEN"), {"127.0.0.1", "::1"},
                    "127.0.0.1:<port> (or [::1]), this host only, like the binary's default")
    # The store's SQLite file: in a state directory systemd makes for the dynamic user,
    # the one place ProtectSystem=strict lets it write, and DATA_DIR names it.
    state_dirs = " ".join(service.get("StateDirectory", [])).split()
    c.check(STATE_DIRECTORY in state_dirs, unit_path, "[Service] StateDirectory",
            f"must include {STATE_DIRECTORY}: under ProtectSystem=strict and DynamicUser=yes it is the one "
            f"folder the bot may write, where its SQLite store lives (else exit {EX_CONFIG})")
    c.check(last("StateDirectoryMode") == "0700", unit_path, "[Service] StateDirectoryMode",
            f"is {last('StateDirectoryMode')!r}, must be 0700: the store holds the staff audit log")
    wanted_data_dir = f"/var/lib/{STATE_DIRECTORY}"
    c.check(environment.get("DATA_DIR") == wanted_data_dir, unit_path, "[Service] Environment=DATA_DIR",
            f"is {environment.get('DATA_DIR')!r}, must be {wanted_data_dir} (the StateDirectory): the "
            "default ./data is relative to / there, which is read-only")
    # Secrets as systemd credentials, which the bot reads from $CREDENTIALS_DIRECTORY/NAME.
    credentials: dict[str, str] = {}
    for value in service.get("LoadCredential", []) + service.get("LoadCredentialEncrypted", []):
        credential, _, source = value.partition(":")
        credentials[credential] = source or credential
        c.check(credential in SECRET_ENV, unit_path, f"[Service] LoadCredential={credential}",
                f"is not a secret the bot reads ({', '.join(sorted(SECRET_ENV))}): the bot would never see it")
    c.check(credentials.get("DISCORD_TOKEN", "").startswith("/"), unit_path, "[Service] LoadCredential=DISCORD_TOKEN",
            f"missing: `{wanted}` needs the token, as the credential DISCORD_TOKEN read from an absolute path "
            "(LoadCredential=DISCORD_TOKEN:/etc/echoterra-bot/discord_token)")
    prevented = " ".join(service.get("RestartPreventExitStatus", [])).split()
    c.check(str(EX_CONFIG) in prevented, unit_path, "[Service] RestartPreventExitStatus",
            f"must include {EX_CONFIG}: a malformed configuration would otherwise restart in a loop")
    stop = parse_duration(last("TimeoutStopSec") or "90s")
    c.check(stop is not None and stop > DEFAULT_SHUTDOWN_GRACE, unit_path, "[Service] TimeoutStopSec",
            f"must be longer than SHUTDOWN_GRACE_SECONDS ({DEFAULT_SHUTDOWN_GRACE} s)")
    c.check(bool(unit.get("Install", {}).get("WantedBy")), unit_path, "[Install] WantedBy", "missing")

    analyze = shutil.which("systemd-analyze")
    if not analyze:
        c.note(f"systemd-analyze not installed: {rel(unit_path)} was checked by reading it only")
        return unit
    with tempfile.TemporaryDirectory() as tmp:
        unit_file = Path(tmp) / unit_path.name
        text = unit_path.read_text()
        if not Path(BINARY).exists():
            # verify insists that ExecStart exists: stand in an executable for the binary.
            stand_in = Path(tmp) / "echoterra-bot"
            stand_in.write_text("#!/bin/sh\n")
            stand_in.chmod(0o755)
            text = text.replace(BINARY, str(stand_in))
        unit_file.write_text(text)
        run = subprocess.run([analyze, "verify", "--man=no", str(unit_file)],
                             capture_output=True, text=True, timeout=60)
        output = (run.stdout + run.stderr).replace(str(unit_file), rel(unit_path)).strip()
        # verify exits 0 on unknown keys, but says so: any output is a finding.
        c.check(run.returncode == 0 and not output, unit_path, "systemd-analyze verify", output or f"exit {run.returncode}")
    return unit


# ---------------------------------------------------------------------- Dockerfiles


def parse_dockerfile(path: Path) -> list[list[tuple[str, str]]]:
    """Stages, each a list of (INSTRUCTION, arguments) with continuations joined."""
    stages: list[list[tuple[str, str]]] = [[]]
    pending = ""
    for raw in path.read_text().splitlines():
        stripped = raw.strip()
        if stripped.startswith("#"):
            continue
        line = pending + stripped
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        if not line:
            continue
        instruction, _, args = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            stages.append([])
        stages[-1].append((instruction, args.strip()))
    return stages


def key_values(args: str) -> dict[str, str]:
    pairs = {}
    for token in shlex.split(args):
        key, _, value = token.partition("=")
        pairs[key] = value
    return pairs


def dockerfile_env(path: Path) -> dict[str, str]:
    """The ENV of a Dockerfile's final stage (what the image's processes start with)."""
    env: dict[str, str] = {}
    if path.is_file():
        for instruction, rest in parse_dockerfile(path)[-1]:
            if instruction == "ENV":
                env.update(key_values(rest))
    return env


def dockerignore_patterns(context: Path) -> list[tuple[bool, re.Pattern]]:
    path = context / ".dockerignore"
    patterns = []
    if path.is_file():
        for line in path.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            pattern = line.lstrip("!").strip("/")
            regex = ""
            for part in re.split(r"(\*\*|\*|\?)", pattern):
                regex += {"**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part))
            patterns.append((negate, re.compile(regex + r"(/.*)?")))
    return patterns


def ignored(relative: str, patterns: list[tuple[bool, re.Pattern]]) -> bool:
    result = False
    for negate, pattern in patterns:
        if pattern.fullmatch(relative):
            result = not negate
    return result


def check_dockerfile(c: Checker, path: Path, context: Path, bot: bool) -> None:
    if not c.check(path.is_file(), path, "(file)", "missing"):
        return
    stages = parse_dockerfile(path)
    final = stages[-1]
    args = {}
    for instruction, rest in (i for stage in stages for i in stage):
        if instruction == "ARG" and "=" in rest:
            key, _, value = rest.partition("=")
            args[key] = value.strip('"')

    def final_all(name: str) -> list[str]:
        return [rest for instruction, rest in final if instruction == name]

    users = final_all("USER")
    user = users[-1] if users else ""
    c.check(bool(re.fullmatch(r"[0-9]+(:[0-9]+)?", user)) and not user.startswith("0"), path,
            "USER (final stage)", f"is {user!r}: must be a numeric non-root uid such as 65532:65532")
    health = final_all("HEALTHCHECK")
    c.check(bool(health) and "CMD" in health[-1].split(), path, "HEALTHCHECK", "missing (or NONE)")
    exposed = " ".join(final_all("EXPOSE")).split()
    c.check(bool(exposed), path, "EXPOSE", "missing")
    labels: dict[str, str] = {}
    for rest in final_all("LABEL"):
        labels.update(key_values(rest))
    for name in OCI_LABELS:
        value = labels.get(f"org.opencontainers.image.{name}", "")
        c.check(bool(value), path, f"LABEL org.opencontainers.image.{name}", "missing")

    ignore = dockerignore_patterns(context)
    for instruction, rest in (i for stage in stages for i in stage):
        if instruction in {"COPY", "ADD"} and "--from=" not in rest:
            sources = [t for t in shlex.split(rest) if not t.startswith("--")][:-1]
            for source in sources:
                relative = source.strip("/") or "."
                c.check((context / relative).exists(), path, f"{instruction} {source}",
                        f"{rel(context / relative)} does not exist in the build context")
                c.check(relative == "." or not ignored(relative, ignore), path, f"{instruction} {source}",
                        "is excluded by .dockerignore, so the build would not see it")
        if instruction == "RUN" and re.search(r"cargo (build|install|chef cook)", rest):
            for command in re.findall(r"cargo (?:build|install|chef cook)[^&;]*", rest):
                c.check("--locked" in command, path, f"RUN {command.strip()}", "must pass --locked")

    if not bot:
        return
    c.check(ignored(".env", ignore) and ignored("target", ignore), context / ".dockerignore", "patterns",
            "must exclude .env (secrets) and target/ from the build context")
    entry = final_all("ENTRYPOINT")
    c.check(bool(entry) and json.loads(entry[-1]) == [BINARY], path, "ENTRYPOINT", f'must be ["{BINARY}"]')
    env: dict[str, str] = {}
    for rest in final_all("ENV"):
        env.update(key_values(rest))
    listen = env.get("HTTP_LISTEN", "")
    c.check(listen.startswith("0.0.0.0:"), path, "ENV HTTP_LISTEN", f"is {listen!r}, must be 0.0.0.0:8080")
    port = listen.rpartition(":")[2]
    c.check(port in [e.split("/")[0] for e in exposed], path, "EXPOSE", f"does not expose the HTTP_LISTEN port {port}")
    ops_port = check_listeners(c, path, "ENV {}", listen, env.get("OPS_LISTEN"), {"0.0.0.0"},
                               "0.0.0.0:<port>, the container's every address, which a published port reaches")
    c.check(ops_port is not None and str(ops_port) in [e.split("/")[0] for e in exposed], path, "EXPOSE",
            f"does not expose the OPS_LISTEN port {ops_port}")
    for name in sorted(set(env) & SECRET_ENV):
        c.fail(path, f"ENV {name}", "is a secret baked into every copy of the image")
    # The store: DATA_DIR exists in the image, owned by the bot's user (the image has no
    # shell to make it at run time), and is a volume, writable under a read-only root.
    data_dir = env.get("DATA_DIR", "")
    c.check(data_dir == DATA_DIR, path, "ENV DATA_DIR",
            f"is {data_dir!r}, must be {DATA_DIR}, where the kit mounts the store's volume")
    volumes: list[str] = []
    for rest in final_all("VOLUME"):
        volumes += json.loads(rest) if rest.startswith("[") else rest.split()
    c.check(data_dir in volumes, path, "VOLUME",
            f"does not declare DATA_DIR {data_dir!r}: the SQLite store would live in the container's "
            "layer, lost with it, and fail under a read-only root")
    c.check(user.split(":")[0] == BOT_UID, path, "USER (final stage)", f"is {user!r}, not {BOT_UID}, "
            "the user DATA_DIR belongs to")
    owned = False
    for rest in final_all("COPY"):
        tokens = shlex.split(rest)
        chown = next((tk.split("=", 1)[1] for tk in tokens if tk.startswith("--chown=")), "")
        if tokens and tokens[-1].rstrip("/") == data_dir and chown.split(":")[0] == BOT_UID:
            owned = True
    c.check(owned, path, f"COPY … {data_dir}",
            f"no COPY --chown={BOT_UID}:{BOT_UID} makes DATA_DIR in the final stage: the folder would be "
            f"root's and the bot could not create its SQLite file (exit {EX_CONFIG})")
    if health:
        cmd = health[-1].split("CMD", 1)[1].strip()
        c.check(cmd.startswith("[") and json.loads(cmd) == [BINARY, "health"], path, "HEALTHCHECK CMD",
                f'must be ["{BINARY}", "health"] (the image has no curl or shell)')
    c.check(any(shlex.split(r)[-2:] == ["commands", "/etc/echoterra-bot/commands"] for r in final_all("COPY")),
            path, "COPY commands", "the catalogue must be in the image at /etc/echoterra-bot/commands")
    version = tomllib.loads((ROOT / "Cargo.toml").read_text())["package"]["version"]
    label = labels.get("org.opencontainers.image.version", "")
    label = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), label)
    c.check(label == version, path, "LABEL org.opencontainers.image.version",
            f"is {label!r} but Cargo.toml says {version!r}")


# ---------------------------------------------------------------------- Prometheus


PROMETHEUS = DEPLOY / "prometheus"
ALERTS = PROMETHEUS / "alerts.yaml"
DASHBOARD = PROMETHEUS / "grafana-dashboard.json"
# The process metrics, under the names every Prometheus client gives them (the bot's are
# registered apart from src/ops's own), and `up`, which Prometheus itself records.
PROCESS_METRICS = {"process_resident_memory_bytes", "process_virtual_memory_bytes", "process_cpu_seconds_total",
                   "process_open_fds", "process_max_fds", "process_start_time_seconds"}
SYNTHETIC_METRICS = {"up"}
SEVERITIES = {"critical", "warning", "info"}
# What PromQL spells that is not a metric name.
PROMQL_WORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
                "offset", "atan2", "inf", "nan"}


def exported_metrics() -> dict[str, set[str]]:
    """The names the bot's /metrics shows, read from the registrations in src/ops/*.rs:
    metric (as registered) -> its sample names. prometheus-client appends the unit
    (register_with_unit), then `_total` to a counter; a histogram's samples are
    `_bucket`, `_sum` and `_count`."""
    found: dict[str, set[str]] = {}
    for source in sorted((ROOT / "src" / "ops").glob("*.rs")):
        text = source.read_text()
        for match in re.finditer(r'\.register(?:_with_unit)?\(\s*"(\w+)",\s*"(?:[^"\\]|\\.)*",\s*'
                                 r'(?:Unit::(\w+),\s*)?([\w.]+?)(?:\.clone\(\))?,?\s*\)', text):
            name, unit, variable = match.groups()
            field = variable.rsplit(".", 1)[-1]
            declared = re.search(rf"\b{re.escape(field)}\s*[:=]\s*([^;]*?)(?:;|,\n)", text)
            kinds = re.findall(r"\b(Counter|Gauge|Histogram)\b", declared.group(1)) if declared else []
            kind = kinds[0] if kinds else "Unknown"
            base = name + (f"_{unit.lower()}" if unit else "")
            found[name] = ({f"{base}_total"} if kind == "Counter"
                           else {f"{base}_bucket", f"{base}_sum", f"{base}_count"} if kind == "Histogram"
                           else {base})
    return found


def promql_metrics(expr: str) -> set[str]:
    """The metric names an expression reads: identifiers left once strings, label
    matchers, grouping clauses, ranges, numbers and function calls are taken out."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\$\w+", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?", text):
        word, call = match.groups()
        if call or word.lower() in PROMQL_WORDS:
            continue
        names.add(word)
    return names


def check_metric_names(c: Checker, path: Path, field: str, expr: str, known: set[str]) -> None:
    names = promql_metrics(expr)
    c.check(bool(names), path, field, f"{expr!r} reads no metric")
    for name in sorted(names - known):
        c.fail(path, field, f"reads {name!r}, which the bot does not export (src/ops/*.rs registers "
               f"{', '.join(sorted(n for n in known if n.startswith('echoterra_')))}; process metrics: "
               f"{', '.join(sorted(PROCESS_METRICS))})")


def check_prometheus(c: Checker, documents: dict[Path, list[Any] | None]) -> None:
    """deploy/prometheus/: the alert rules (a plain rules file: groups of rules, each with
    alert, expr, for, labels.severity, annotations.summary) and the Grafana dashboard
    (panels with targets), every metric named in either one the bot exports."""
    exported = exported_metrics()
    c.check(len(exported) >= 10, ROOT / "src" / "ops", "(registrations)",
            f"found only {sorted(exported)}: the regex of exported_metrics() no longer reads them")
    known = {sample for samples in exported.values() for sample in samples} | PROCESS_METRICS | SYNTHETIC_METRICS
    if c.check(ALERTS in documents, ALERTS, "(file)", "missing: the alert rules for Prometheus") \
            and documents[ALERTS] is not None:
        rules_file = documents[ALERTS][0] if documents[ALERTS] else {}
        groups = rules_file.get("groups") if isinstance(rules_file, dict) else None
        c.check(isinstance(groups, list) and bool(groups), ALERTS, "groups",
                "missing: a rules file is a list of groups, each with a name and rules")
        alerts: set[str] = set()
        for g, group in enumerate(groups or []):
            gfield = f"groups[{g}]"
            c.check(bool(dig(group, "name")), ALERTS, f"{gfield}.name", "missing")
            rules = dig(group, "rules") or []
            c.check(bool(rules), ALERTS, f"{gfield}.rules", "missing or empty")
            for r, rule in enumerate(rules):
                name = dig(rule, "alert")
                field = f"{gfield}.rules[{r}]({name})"
                if not c.check(bool(name), ALERTS, f"{gfield}.rules[{r}].alert",
                               "missing: only alerting rules belong here (no recording rules)"):
                    continue
                c.check(name not in alerts, ALERTS, f"{field}.alert", "is not unique")
                alerts.add(name)
                expr = str(dig(rule, "expr") or "")
                if c.check(bool(expr.strip()), ALERTS, f"{field}.expr", "missing"):
                    check_metric_names(c, ALERTS, f"{field}.expr", expr, known)
                    c.check(expr.count("(") == expr.count(")"), ALERTS, f"{field}.expr", "unbalanced parentheses")
                duration = dig(rule, "for")
                c.check(duration is not None and bool(re.fullmatch(r"(\d+(ms|s|m|h|d|w|y))+", str(duration))),
                        ALERTS, f"{field}.for", f"is {duration!r}: a duration such as 5m (0m to fire at once)")
                severity = dig(rule, "labels", "severity")
                c.check(severity in SEVERITIES, ALERTS, f"{field}.labels.severity",
                        f"is {severity!r}: one of {', '.join(sorted(SEVERITIES))}, for routing")
                c.check(bool(dig(rule, "annotations", "summary")), ALERTS, f"{field}.annotations.summary", "missing")
        # The conditions issue 23 asks an operator to be told about.
        for metric in ("up", "echoterra_store_up", "echoterra_discord_rate_limited_total",
                       "echoterra_interactions_total", "echoterra_watch_scheduler_lateness_seconds",
                       "echoterra_watch_messages_total", "process_resident_memory_bytes"):
            c.check(any(metric in promql_metrics(str(dig(rule, "expr") or ""))
                        for group in groups or [] for rule in dig(group, "rules") or []),
                    ALERTS, "groups", f"no rule reads {metric}")
        promtool = shutil.which("promtool")
        if promtool:
            run = subprocess.run([promtool, "check", "rules", str(ALERTS)], capture_output=True, text=True,
                                 timeout=60)
            c.check(run.returncode == 0, ALERTS, "promtool check rules", (run.stdout + run.stderr).strip())
        else:
            c.note(f"promtool not installed: {rel(ALERTS)} was checked by reading it, not by Prometheus's parser")

    if not c.check(DASHBOARD.is_file(), DASHBOARD, "(file)", "missing: the Grafana dashboard"):
        return
    try:
        dashboard = json.loads(DASHBOARD.read_text())
    except json.JSONDecodeError as err:
        c.fail(DASHBOARD, f"line {err.lineno}", f"does not parse: {err.msg}")
        return
    c.check(bool(dashboard.get("title")) and bool(dashboard.get("uid")), DASHBOARD, "title, uid", "missing")
    variables = {v.get("name"): v for v in dig(dashboard, "templating", "list") or []}
    c.check(dig(variables, "datasource", "type") == "datasource", DASHBOARD, "templating.list[datasource]",
            "missing: a datasource variable, so the dashboard imports into any Grafana without editing")
    panels = list(dashboard.get("panels") or [])
    for panel in list(panels):
        panels += panel.get("panels") or []  # inside collapsed rows
    exprs = []
    for p, panel in enumerate(panels):
        if panel.get("type") == "row":
            continue
        field = f"panels[{panel.get('title') or p}]"
        targets = panel.get("targets") or []
        c.check(bool(targets), DASHBOARD, f"{field}.targets", "missing: the panel would show nothing")
        uid = str(dig(panel, "datasource", "uid") or "")
        c.check(uid == "${datasource}", DASHBOARD, f"{field}.datasource.uid",
                f"is {uid!r}: use the variable ${{datasource}}, not one Grafana's own data source")
        for t, target in enumerate(targets):
            expr = str(target.get("expr") or "")
            if c.check(bool(expr), DASHBOARD, f"{field}.targets[{t}].expr", "missing"):
                check_metric_names(c, DASHBOARD, f"{field}.targets[{t}].expr", expr, known)
                exprs.append(expr)
    read = set().union(*map(promql_metrics, exprs)) if exprs else set()
    for metric in ("echoterra_interactions_total", "echoterra_check_duration_seconds_bucket", "echoterra_store_up",
                   "echoterra_watches", "echoterra_watch_messages_total",
                   "echoterra_watch_scheduler_lateness_seconds", "process_resident_memory_bytes",
                   "process_cpu_seconds_total"):
        c.check(metric in read, DASHBOARD, "panels", f"no panel shows {metric}")


# ---------------------------------------------------------------------------- main


def main() -> int:
    c = Checker()
    check_secret_table(c)
    documents = load_all_yaml(c)
    check_kubernetes(c, documents)
    check_compose(c, documents)
    for conf in sorted(DEPLOY.rglob("unbound.conf")):
        check_unbound(c, conf)
    check_systemd(c)
    check_prometheus(c, documents)
    check_dockerfile(c, BOT_DOCKERFILE, ROOT, bot=True)
    check_dockerfile(c, RESOLVER_DOCKERFILE, RESOLVER_DOCKERFILE.parent, bot=False)

    for note in c.notes:
        print(f"note: {note}")
    for failure in c.failures:
        print(f"FAIL {failure}", file=sys.stderr)
    print(f"deploy: {c.passed} passed, {len(c.failures)} failed")
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
