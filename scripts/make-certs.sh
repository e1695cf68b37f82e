#!/usr/bin/env bash
# Creates the certificates of a HyperSearch cluster with openssl (docs/security.md):
#   ca.crt/ca.key          the cluster's private CA (keep ca.key offline; only ca.crt is mounted anywhere)
#   silo.crt/silo.key      silo certificate: OU=hypersearch-silo, serverAuth+clientAuth, SAN DNS:hypersearch
#   operator.crt/.key      client certificate, role operator (start, cancel, and everything a viewer may)
#   viewer.crt/.key        client certificate, role viewer (status, watch, trials, report, list, best)
# Client certificates carry clientAuth only, so none can pass as a silo's.
# Usage: scripts/make-certs.sh OUT_DIR [--days N] [--client NAME:ROLE]... [--expired NAME:ROLE] [--p12 NAME]
#        [--ca-from DIR] [--secrets]
#   --client NAME:ROLE  another client certificate NAME.crt/.key (ROLE: operator or viewer)
#   --expired NAME:ROLE a client certificate whose validity ended in 2020 (for refusal tests)
#   --p12 NAME          also write NAME.p12 (PKCS#12, password in NAME.p12.password)
#   --ca-from DIR       reuse DIR/ca.crt and DIR/ca.key (rotate leaf certificates under the same CA)
#   --secrets           also write secrets.yaml: the Kubernetes Secrets the overlays mount
set -euo pipefail

out=${1:?usage: make-certs.sh OUT_DIR [options]}
shift
days=365
declare -a clients=(operator:operator viewer:viewer) expired=() p12=()
ca_from=""
secrets=0
while (($#)); do
    case $1 in
        --days) days=$2; shift 2 ;;
        --client) clients+=("$2"); shift 2 ;;
        --expired) expired+=("$2"); shift 2 ;;
        --p12) p12+=("$2"); shift 2 ;;
        --ca-from) ca_from=$2; shift 2 ;;
        --secrets) secrets=1; shift ;;
        *) echo "make-certs.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done

mkdir -p "$out"
umask 077
cd "$out"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [[ -n "$ca_from" ]]; then
    cp "$ca_from/ca.crt" "$ca_from/ca.key" .
elif [[ ! -f ca.key ]]; then
    key ca.key
    openssl req -x509 -new -key ca.key -sha256 -days $((days * 5)) -subj "/O=HyperSearch/CN=HyperSearch cluster CA" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.crt
fi

# extensions NAME ROLE: the X.509v3 extensions of a leaf certificate of ROLE.
extensions() {
    local name=$1 role=$2
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyAgreement"
    if [[ $role == silo ]]; then
        echo "extendedKeyUsage=serverAuth,clientAuth"
        echo "subjectAltName=DNS:hypersearch,DNS:$name,IP:127.0.0.1"
    else
        echo "extendedKeyUsage=clientAuth"
        echo "subjectAltName=URI:urn:hypersearch:role:$role"
    fi
}

check_role() {
    [[ $1 =~ ^(operator|viewer)$ ]] || { echo "make-certs.sh: role '$1' must be operator or viewer" >&2; exit 2; }
}

# issue NAME ROLE: NAME.crt and NAME.key, signed by the CA, valid for $days days.
issue() {
    local name=$1 role=$2
    key "$name.key"
    openssl req -new -key "$name.key" -subj "/O=HyperSearch/OU=hypersearch-$role/CN=$name" -out "$name.csr"
    extensions "$name" "$role" >"$name.ext"
    openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days "$days" \
        -extfile "$name.ext" -out "$name.crt" 2>/dev/null
    rm -f "$name.csr" "$name.ext"
}

# issue_expired NAME ROLE: as issue, valid only on 1 January 2020 (openssl ca sets explicit dates).
issue_expired() {
    local name=$1 role=$2 dir
    dir=$(mktemp -d)
    key "$name.key"
    openssl req -new -key "$name.key" -subj "/O=HyperSearch/OU=hypersearch-$role/CN=$name" -out "$dir/req.csr"
    : >"$dir/index.txt"
    { echo "[ca]"; echo "default_ca=leaf"; echo "[leaf]"; echo "database=$dir/index.txt"; echo "new_certs_dir=$dir";
      echo "serial=$dir/serial"; echo "default_md=sha256"; echo "policy=any"; echo "copy_extensions=none";
      echo "[any]"; echo "commonName=supplied"; echo "organizationName=optional"; echo "organizationalUnitName=optional";
      echo "[ext]"; extensions "$name" "$role"; } >"$dir/ca.cnf"
    openssl rand -hex 16 >"$dir/serial"
    openssl ca -batch -config "$dir/ca.cnf" -cert ca.crt -keyfile ca.key -in "$dir/req.csr" -out "$name.crt" \
        -startdate 20200101000000Z -enddate 20200102000000Z -extensions ext -notext 2>/dev/null
    rm -rf "$dir"
}

issue silo silo
for entry in "${clients[@]}"; do
    check_role "${entry#*:}"
    issue "${entry%%:*}" "${entry#*:}"
done
for entry in ${expired[@]+"${expired[@]}"}; do
    check_role "${entry#*:}"
    issue_expired "${entry%%:*}" "${entry#*:}"
done
for name in ${p12[@]+"${p12[@]}"}; do
    openssl rand -hex 16 >"$name.p12.password"
    openssl pkcs12 -export -inkey "$name.key" -in "$name.crt" -certfile ca.crt -passout "file:$name.p12.password" -out "$name.p12"
done
rm -f ca.srl

if ((secrets)); then
    command -v kubectl >/dev/null || { echo "make-certs.sh: --secrets needs kubectl" >&2; exit 2; }
    {
        kubectl create secret generic hypersearch-silo-tls --dry-run=client -o yaml \
            --from-file=ca.crt --from-file=tls.crt=silo.crt --from-file=tls.key=silo.key
        echo "---"
        kubectl create secret generic hypersearch-client-tls --dry-run=client -o yaml \
            --from-file=ca.crt --from-file=tls.crt=operator.crt --from-file=tls.key=operator.key
    } >secrets.yaml
fi
echo "certificates in $(pwd): ca.crt, silo, ${clients[*]%%:*}${expired[*]:+ (expired: ${expired[*]%%:*})}" >&2
