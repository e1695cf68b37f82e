#!/bin/sh
# Fetches HyperSearch's datasets into $DATA_DIR and checks them; POSIX sh (busybox ash in the image).
#
#   fetch-datasets.sh fetch    download what is missing or damaged, verify every file, exit non-zero
#                              on a checksum mismatch (the Job hypersearch-datasets runs this)
#   fetch-datasets.sh verify   wait until every dataset in $DATASETS is present and verifies, reading
#                              only (silo init container; the volume is mounted read-only there)
#
# Environment:
#   DATA_DIR              dataset root (default /data); Fashion-MNIST goes to $DATA_DIR/fashion-mnist,
#                         CIFAR-10 (binary version) to $DATA_DIR/cifar-10
#   DATASETS              space- or comma-separated: fashion-mnist, cifar-10 (default fashion-mnist)
#   SUMS_DIR              folder holding fashion-mnist.sha256 and cifar-10.md5 (default: this script's)
#   FASHION_MNIST_URLS    base URLs tried in order; each must serve <name>.gz
#   CIFAR10_URL           URL of cifar-10-binary.tar.gz
#   WAIT_TIMEOUT_SECONDS  verify: give up after this long (default 1800)
#   WAIT_INTERVAL_SECONDS verify: seconds between checks (default 10)
set -eu

DATA_DIR=${DATA_DIR:-/data}
DATASETS=${DATASETS:-fashion-mnist}
SUMS_DIR=${SUMS_DIR:-$(dirname "$0")}
FASHION_MNIST_URLS=${FASHION_MNIST_URLS:-"https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion http://fashion-mnist.s3-website.eu-central-1.amazonaws.com"}
CIFAR10_URL=${CIFAR10_URL:-https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz}
WAIT_TIMEOUT_SECONDS=${WAIT_TIMEOUT_SECONDS:-1800}
WAIT_INTERVAL_SECONDS=${WAIT_INTERVAL_SECONDS:-10}

log() { printf '%s\n' "datasets: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Lines of a checksum file without comments or blanks: "<hash> <name>".
sums() { grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$1"; }

# 0 when gzip file $1 decompresses to content with SHA-256 $2.
gz_content_ok() {
    [ -f "$1" ] || return 1
    actual=$(gunzip -c "$1" 2>/dev/null | sha256sum | cut -d' ' -f1) || return 1
    # gunzip failing midway still feeds sha256sum; a truncated file then fails the comparison.
    [ "$actual" = "$2" ]
}

download() { # url target
    curl -fsSL --retry 5 --retry-delay 5 --connect-timeout 30 -o "$2" "$1"
}

# The "<hash> <name>" lines of $SUMS_DIR/$1; fails when there are none (never verify vacuously).
sum_list() {
    list=$(sums "$SUMS_DIR/$1") || die "no checksums in $SUMS_DIR/$1"
    [ -n "$list" ] || die "no checksums in $SUMS_DIR/$1"
    printf '%s\n' "$list"
}

fashion_mnist_ok() {
    dir="$DATA_DIR/fashion-mnist"
    list=$(sum_list fashion-mnist.sha256)
    while read -r sum name; do
        gz_content_ok "$dir/$name.gz" "$sum" || return 1
    done <<EOF
$list
EOF
}

fetch_fashion_mnist() {
    dir="$DATA_DIR/fashion-mnist"
    mkdir -p "$dir"
    list=$(sum_list fashion-mnist.sha256)
    while read -r sum name; do
        target="$dir/$name.gz"
        if gz_content_ok "$target" "$sum"; then
            log "fashion-mnist/$name.gz present and verified"
            continue
        fi
        part="$target.part.$$"
        fetched=no
        for base in $FASHION_MNIST_URLS; do
            log "fetching $base/$name.gz"
            if download "$base/$name.gz" "$part" && gz_content_ok "$part" "$sum"; then
                fetched=yes
                break
            fi
            log "$base/$name.gz failed or did not match its checksum"
        done
        if [ "$fetched" != yes ]; then
            rm -f "$part"
            die "no source gave fashion-mnist/$name.gz with content SHA-256 $sum"
        fi
        mv -f "$part" "$target"
        log "fashion-mnist/$name.gz verified"
    done <<EOF
$list
EOF
}

# CIFAR-10: the archive's MD5 is the published checksum. After extracting its six batch files we
# record their SHA-256 in cifar-10/SHA256SUMS, which verify checks (no archive kept around).
cifar10_ok() {
    dir="$DATA_DIR/cifar-10"
    [ -f "$dir/SHA256SUMS" ] || return 1
    (cd "$dir" && sha256sum -c SHA256SUMS > /dev/null 2>&1)
}

fetch_cifar10() {
    dir="$DATA_DIR/cifar-10"
    if cifar10_ok; then
        log "cifar-10 present and verified"
        return 0
    fi
    expected=$(sum_list cifar-10.md5 | awk '$2 == "cifar-10-binary.tar.gz" { print $1 }')
    [ -n "$expected" ] || die "no checksum for cifar-10-binary.tar.gz in $SUMS_DIR/cifar-10.md5"
    work="$DATA_DIR/.cifar-10.part.$$"
    rm -rf "$work"
    mkdir -p "$work"
    log "fetching $CIFAR10_URL"
    download "$CIFAR10_URL" "$work/cifar-10-binary.tar.gz" || { rm -rf "$work"; die "download of $CIFAR10_URL failed"; }
    actual=$(md5sum "$work/cifar-10-binary.tar.gz" | cut -d' ' -f1)
    if [ "$actual" != "$expected" ]; then
        rm -rf "$work"
        die "cifar-10-binary.tar.gz has MD5 $actual, expected $expected"
    fi
    tar -xzf "$work/cifar-10-binary.tar.gz" -C "$work"
    mkdir -p "$work/out"
    for f in data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin; do
        [ -f "$work/cifar-10-batches-bin/$f" ] || { rm -rf "$work"; die "archive lacks cifar-10-batches-bin/$f"; }
        mv "$work/cifar-10-batches-bin/$f" "$work/out/$f"
    done
    (cd "$work/out" && sha256sum data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin > SHA256SUMS)
    rm -rf "$dir"
    mv "$work/out" "$dir"
    rm -rf "$work"
    log "cifar-10 verified"
}

datasets() { printf '%s\n' "$DATASETS" | tr ',' ' '; }

all_ok() {
    for ds in $(datasets); do
        case "$ds" in
            fashion-mnist) fashion_mnist_ok || return 1 ;;
            cifar-10) cifar10_ok || return 1 ;;
            *) die "unknown dataset '$ds' (known: fashion-mnist, cifar-10)" ;;
        esac
    done
}

mode=${1:-fetch}
case "$mode" in
    fetch)
        for ds in $(datasets); do
            case "$ds" in
                fashion-mnist) fetch_fashion_mnist ;;
                cifar-10) fetch_cifar10 ;;
                *) die "unknown dataset '$ds' (known: fashion-mnist, cifar-10)" ;;
            esac
        done
        all_ok || die "verification after fetch failed"
        log "all of [$(datasets | tr '\n' ' ' | sed 's/ *$//')] verified under $DATA_DIR"
        ;;
    verify)
        waited=0
        until all_ok; do
            if [ "$waited" -ge "$WAIT_TIMEOUT_SECONDS" ]; then
                die "datasets [$(datasets | tr '\n' ' ' | sed 's/ *$//')] not present and verified under $DATA_DIR after ${WAIT_TIMEOUT_SECONDS}s; is the hypersearch-datasets Job done?"
            fi
            log "waiting for the hypersearch-datasets Job to fill $DATA_DIR"
            sleep "$WAIT_INTERVAL_SECONDS"
            waited=$((waited + WAIT_INTERVAL_SECONDS))
        done
        log "datasets verified"
        ;;
    *)
        die "usage: $0 [fetch|verify]"
        ;;
esac
