// Offline validation of rendered Kubernetes manifests (`kubectl kustomize DIR | node validate.mjs`).
//
// Every document must have a schema: Kubernetes' own kinds through kubernetes-models, ServiceMonitor and
// PrometheusRule through @kubernetes-models/prometheus-operator. For each document:
//   1. `new Model(doc).validate()`: types, enums and required fields, against the OpenAPI schema;
//   2. unknown fields (the schema validation above lets them through; the API server rejects them):
//      every key must be a property of its type, read from the packages' type declarations;
//   3. what the API server checks and the schema does not: metadata.name present and well formed,
//      label keys and values, container/port/volume names.
// Usage: node validate.mjs [FILE...]  (no FILE or "-": standard input). Exit status 0 when every
// document passes, 1 when one fails, 2 on bad input or when there is no document at all.
// Prints one JSON line on stdout: {"documents": N, "kinds": {"apps/v1/Deployment": 2, ...}}.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as yaml from "js-yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeModules = path.join(here, "node_modules");

const PROMETHEUS_OPERATOR_GROUP = "monitoring.coreos.com";

function modulePathFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z]+$/.test(kind)) {
    return null;
  }
  const parts = apiVersion.split("/");
  if (parts.length === 1) {
    return `kubernetes-models/${parts[0]}/${kind}`;
  }
  if (parts.length !== 2) {
    return null;
  }
  const [group, version] = parts;
  if (group === PROMETHEUS_OPERATOR_GROUP) {
    return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  }
  return `kubernetes-models/${group}/${version}/${kind}`;
}

// ---- unknown-field check, from the .d.ts declarations shipped with the models ----------------------

const declarationCache = new Map();

// The .d.ts file behind an import specifier seen in a declaration file.
function declarationFile(specifier, fromFile) {
  let base;
  if (specifier.startsWith(".")) {
    base = path.resolve(path.dirname(fromFile), specifier);
  } else {
    const segments = specifier.split("/");
    const packageName = specifier.startsWith("@") ? segments.slice(0, 2).join("/") : segments[0];
    const rest = segments.slice(specifier.startsWith("@") ? 2 : 1).join("/");
    base = path.join(nodeModules, packageName, rest);
  }
  base = base.replace(/\.js$/, "");
  const file = `${base}.d.ts`;
  return fs.existsSync(file) ? file : null;
}

// Splits the body of a class or an object type into its members ("name"?: Type), at top level only.
// Returns null for an index signature ({ [key: string]: T }), i.e. a map with free keys.
function parseMembers(body) {
  const members = new Map();
  let depth = 0;
  let current = "";
  const flush = () => {
    const member = current.trim();
    current = "";
    if (member.startsWith("[")) return false;
    const m = /^"([^"]+)"\??:\s*([\s\S]*)$/.exec(member);
    if (m) members.set(m[1], m[2].trim());
    return true;
  };
  for (const c of body) {
    if ("{<(".includes(c)) depth++;
    if ("}>)".includes(c)) depth--;
    if ((c === ";" || c === "\n") && depth === 0) {
      if (!flush()) return null;
    } else {
      current += c;
    }
  }
  if (!flush()) return null;
  return members;
}

// The text between the brace at `open` and its partner.
function braced(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    if (text[i] === "}" && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

// Parses one declaration file: the properties of its model class (inherited ones included) with their
// type text, and where each imported type name comes from.
function parseDeclaration(file) {
  if (declarationCache.has(file)) {
    return declarationCache.get(file);
  }
  const text = fs.readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const imports = new Map();
  for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
    for (const name of m[1].split(",").map((s) => s.trim()).filter(Boolean)) {
      imports.set(name.split(/\s+as\s+/).pop(), m[2]);
    }
  }
  const classMatch = /export declare class \w+ extends Model<[^>]*>[^{]*\{/.exec(text);
  const properties = classMatch ? parseMembers(braced(text, classMatch.index + classMatch[0].length - 1)) : null;
  const parsed = { file, imports, properties };
  declarationCache.set(file, parsed);
  return parsed;
}

// The declaration a property's type refers to: a model class from another file, or an inline object
// type; null for primitives, unions, maps and anything else this check does not follow.
function referencedDeclaration(typeText, owner) {
  let t = typeText.trim();
  let isArray = false;
  const arrayMatch = /^Array<([\s\S]+)>$/.exec(t);
  if (arrayMatch) {
    isArray = true;
    t = arrayMatch[1].trim();
  }
  if (t.startsWith("{") && t.endsWith("}")) {
    const properties = parseMembers(braced(t, 0));
    return { isArray, declaration: properties ? { file: owner.file, imports: owner.imports, properties } : null };
  }
  if (!/^I[A-Za-z0-9]+$/.test(t) || !owner.imports.has(t)) {
    return { isArray, declaration: null };
  }
  const file = declarationFile(owner.imports.get(t), owner.file);
  if (!file) {
    return { isArray, declaration: null };
  }
  const declaration = parseDeclaration(file);
  return { isArray, declaration: declaration.properties ? declaration : null };
}

function unknownFields(value, declaration, at, errors) {
  if (value === null || typeof value !== "object" || Array.isArray(value) || !declaration) {
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    if (!declaration.properties.has(key)) {
      errors.push(`${at}/${key}: unknown field (not in ${path.basename(declaration.file, ".d.ts")})`);
      continue;
    }
    const { isArray, declaration: childDeclaration } = referencedDeclaration(declaration.properties.get(key), declaration);
    if (!childDeclaration) {
      continue;
    }
    if (isArray && Array.isArray(child)) {
      child.forEach((item, index) => unknownFields(item, childDeclaration, `${at}/${key}/${index}`, errors));
    } else if (!isArray) {
      unknownFields(child, childDeclaration, `${at}/${key}`, errors);
    }
  }
}

// ---- what the API server checks besides the schema ----------------------------------------------

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkLabels(labels, at, errors) {
  if (!labels) return;
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : null;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (prefix !== null && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
      errors.push(`${at}/${key}: label prefix is not a DNS subdomain`);
    }
    if (name.length > 63 || !LABEL_NAME.test(name)) {
      errors.push(`${at}/${key}: invalid label name`);
    }
    if (typeof value !== "string" || value.length > 63 || !LABEL_VALUE.test(value)) {
      errors.push(`${at}/${key}: invalid label value ${JSON.stringify(value)}`);
    }
  }
}

function podSpecOf(doc) {
  switch (doc.kind) {
    case "Pod":
      return { spec: doc.spec, at: "/spec" };
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job":
      return { spec: doc.spec?.template?.spec, at: "/spec/template/spec", labels: doc.spec?.template?.metadata?.labels };
    case "CronJob":
      return { spec: doc.spec?.jobTemplate?.spec?.template?.spec, at: "/spec/jobTemplate/spec/template/spec" };
    default:
      return null;
  }
}

function checkServerRules(doc, errors) {
  const name = doc.metadata?.name;
  if (typeof name !== "string" || name.length === 0) {
    errors.push("/metadata/name: missing");
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    errors.push(`/metadata/name: ${JSON.stringify(name)} is not a DNS subdomain`);
  } else if (doc.kind === "Service" && (name.length > 63 || !DNS1035_LABEL.test(name))) {
    errors.push(`/metadata/name: Service name ${JSON.stringify(name)} is not a DNS-1035 label`);
  }
  checkLabels(doc.metadata?.labels, "/metadata/labels", errors);
  if (doc.kind === "Service") {
    for (const [i, port] of (doc.spec?.ports ?? []).entries()) {
      if (port.name !== undefined && (port.name.length > 15 || !PORT_NAME.test(port.name))) {
        errors.push(`/spec/ports/${i}/name: ${JSON.stringify(port.name)} is not a valid port name (<= 15 chars)`);
      }
    }
  }
  const pod = podSpecOf(doc);
  if (!pod) return;
  if (!pod.spec) {
    errors.push(`${pod.at}: missing pod spec`);
    return;
  }
  checkLabels(pod.labels, "/spec/template/metadata/labels", errors);
  // A StatefulSet's volumeClaimTemplates are volumes of its pods too.
  const volumes = new Set((doc.kind === "StatefulSet" ? doc.spec?.volumeClaimTemplates ?? [] : []).map((t) => t.metadata?.name));
  for (const [i, volume] of (pod.spec.volumes ?? []).entries()) {
    if (!DNS1123_LABEL.test(volume.name ?? "") || volume.name.length > 63) {
      errors.push(`${pod.at}/volumes/${i}/name: ${JSON.stringify(volume.name)} is not a DNS label`);
    }
    if (volumes.has(volume.name)) errors.push(`${pod.at}/volumes/${i}/name: duplicate volume ${volume.name}`);
    volumes.add(volume.name);
  }
  const containerNames = new Set();
  for (const list of ["initContainers", "containers"]) {
    for (const [i, container] of (pod.spec[list] ?? []).entries()) {
      const at = `${pod.at}/${list}/${i}`;
      if (!DNS1123_LABEL.test(container.name ?? "") || container.name.length > 63) {
        errors.push(`${at}/name: ${JSON.stringify(container.name)} is not a DNS label`);
      }
      if (containerNames.has(container.name)) errors.push(`${at}/name: duplicate container ${container.name}`);
      containerNames.add(container.name);
      const portNames = new Set();
      for (const [j, port] of (container.ports ?? []).entries()) {
        if (port.name === undefined) continue;
        if (port.name.length > 15 || !PORT_NAME.test(port.name) || !/[a-z]/.test(port.name)) {
          errors.push(`${at}/ports/${j}/name: ${JSON.stringify(port.name)} is not a valid port name (<= 15 chars)`);
        }
        if (portNames.has(port.name)) errors.push(`${at}/ports/${j}/name: duplicate port name ${port.name}`);
        portNames.add(port.name);
      }
      for (const [j, mount] of (container.volumeMounts ?? []).entries()) {
        if (!volumes.has(mount.name)) {
          errors.push(`${at}/volumeMounts/${j}: no volume named ${JSON.stringify(mount.name)}`);
        }
      }
    }
  }
  if ((pod.spec.containers ?? []).length === 0) {
    errors.push(`${pod.at}/containers: no container`);
  }
}

// ---- main ------------------------------------------------------------------------------------------

async function main() {
  const args = process.argv.slice(2);
  const sources = args.length === 0 ? ["-"] : args;
  const docs = [];
  for (const source of sources) {
    const text = source === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(source, "utf8");
    const label = source === "-" ? "stdin" : source;
    try {
      for (const doc of yaml.loadAll(text)) {
        if (doc !== null && doc !== undefined) docs.push({ source: label, doc });
      }
    } catch (e) {
      console.error(`${label}: not YAML: ${e.message}`);
      return 2;
    }
  }
  if (docs.length === 0) {
    console.error("no Kubernetes documents in the input");
    return 2;
  }

  let failed = 0;
  const kinds = {};
  for (const [index, { source, doc }] of docs.entries()) {
    const id = `${source}#${index} ${doc?.apiVersion ?? "?"} ${doc?.kind ?? "?"} ${doc?.metadata?.namespace ? doc.metadata.namespace + "/" : ""}${doc?.metadata?.name ?? "?"}`;
    const errors = [];
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
      errors.push("document is not an object");
    } else {
      const modulePath = modulePathFor(doc.apiVersion, doc.kind);
      let Model = null;
      if (modulePath) {
        try {
          Model = (await import(modulePath))[doc.kind] ?? null;
        } catch {
          Model = null;
        }
      }
      if (!Model) {
        errors.push(`no schema for apiVersion ${JSON.stringify(doc.apiVersion)} kind ${JSON.stringify(doc.kind)}`);
      } else {
        try {
          new Model(doc).validate();
        } catch (e) {
          errors.push(`schema: ${e.message}`);
        }
        const declarationPath = declarationFile(modulePath, path.join(here, "index.js"));
        if (!declarationPath) {
          errors.push(`no type declarations for ${modulePath}`);
        } else {
          unknownFields(doc, parseDeclaration(declarationPath), "", errors);
        }
        checkServerRules(doc, errors);
      }
      const key = `${doc.apiVersion}/${doc.kind}`;
      kinds[key] = (kinds[key] ?? 0) + 1;
    }
    if (errors.length > 0) {
      failed++;
      for (const error of errors) console.error(`${id}: ${error}`);
    }
  }
  process.stdout.write(JSON.stringify({ documents: docs.length, failed, kinds }) + "\n");
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
