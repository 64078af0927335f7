#!/usr/bin/env bash
# The tools `make k8s-check` needs, fetched once into .cache/k8s/ from package registries:
#   kustomize           go install sigs.k8s.io/kustomize/kustomize/v5 (Go module proxy);
#                       without Go, the check falls back to `kubectl kustomize`
#   KafkaTopic CRD      generated exactly as Strimzi builds its release CRDs: Strimzi's own
#                       CrdGenerator over its API model (io.strimzi:api, io.strimzi:crd-generator
#                       from Maven Central; needs mvn and java)
#   KEDA CRDs           config/crd/bases of the Go module github.com/kedacore/keda/v2
# Kubernetes' own schemas come with the kubernetes-validate package (uv sync).
# Every download is pinned and its checksum checked. Usage: scripts/k8s-tools.sh [--quiet]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=$ROOT/.cache/k8s
# shellcheck source=../tools/k8s_check/versions.env
source "$ROOT/tools/k8s_check/versions.env" # versions and checksums
QUIET=${1:-}

say() { [ "$QUIET" = --quiet ] || echo "k8s-tools: $*"; }
die() { echo "k8s-tools: error: $*" >&2; exit 1; }
go_cmd() { command -v go || { [ -x /usr/local/go/bin/go ] && echo /usr/local/go/bin/go; } || true; }
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9 # one fetch at a time (make k8s-check and the tests may start together)

kustomize() {
  local bin=$CACHE/bin/kustomize-$KUSTOMIZE_VERSION go
  if [ -x "$bin" ]; then say "kustomize $KUSTOMIZE_VERSION: cached"; return; fi
  go=$(go_cmd)
  if [ -z "$go" ]; then
    command -v kubectl >/dev/null || die "neither Go (to build kustomize) nor kubectl (kubectl kustomize) is installed"
    say "no Go: the check renders with $(kubectl version --client 2>/dev/null | grep -i kustomize || echo 'kubectl kustomize')"
    return
  fi
  say "building kustomize $KUSTOMIZE_VERSION with $($go version | cut -d' ' -f3) (once, ~1 min)…"
  rm -rf "$CACHE/bin.tmp"
  GOBIN=$CACHE/bin.tmp GOFLAGS=-mod=mod "$go" install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" ||
    die "go install sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION failed"
  mkdir -p "$CACHE/bin" && mv "$CACHE/bin.tmp/kustomize" "$bin" && rm -rf "$CACHE/bin.tmp"
}

strimzi_crd() {
  local dir=$CACHE/schemas/strimzi-$STRIMZI_VERSION jars=$CACHE/strimzi-jars
  if [ -s "$dir/kafkatopics.yaml" ]; then say "Strimzi $STRIMZI_VERSION KafkaTopic CRD: cached"; return; fi
  command -v mvn >/dev/null || die "mvn not found (apt-get install -y maven): it fetches Strimzi's CRD generator"
  command -v java >/dev/null || die "java not found (apt-get install -y default-jdk-headless)"
  say "fetching io.strimzi:api and io.strimzi:crd-generator $STRIMZI_VERSION from Maven Central…"
  rm -rf "$jars" && mkdir -p "$jars"
  (cd "$ROOT/tools/k8s_check" && mvn -B -q -f strimzi-pom.xml dependency:copy-dependencies \
    -Dstrimzi.version="$STRIMZI_VERSION" -DexcludeTransitive=true -DoutputDirectory="$jars") >"$CACHE/mvn.log" 2>&1 ||
    { tail -n 20 "$CACHE/mvn.log" >&2; die "mvn could not fetch the Strimzi jars (log: .cache/k8s/mvn.log)"; }
  echo "$STRIMZI_API_SHA256  $jars/api-$STRIMZI_VERSION.jar
$STRIMZI_CRD_GENERATOR_SHA256  $jars/crd-generator-$STRIMZI_VERSION.jar" | sha256sum --quiet -c - ||
    die "the Strimzi jars' checksums differ from the pinned ones"
  mkdir -p "$dir.tmp"
  # the arguments of Strimzi's own build (api/pom.xml, generate-crd-co-install-v1-eo)
  java -cp "$jars/api-$STRIMZI_VERSION.jar:$jars/crd-generator-$STRIMZI_VERSION.jar" \
    io.strimzi.crdgenerator.CrdGenerator --label app:strimzi --label strimzi.io/crd-install:true \
    --target-kube 1.16+ --crd-api-version v1 --api-versions v1alpha1,v1beta1,v1beta2 \
    --storage-version v1beta2 --yaml \
    "io.strimzi.api.kafka.model.topic.KafkaTopic=$dir.tmp/kafkatopics.yaml" 2>"$CACHE/crd-generator.log" ||
    { cat "$CACHE/crd-generator.log" >&2; die "Strimzi's CRD generator failed"; }
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  say "generated the KafkaTopic CRD into ${dir#"$ROOT"/}"
}

keda_crds() {
  local dir=$CACHE/schemas/keda-$KEDA_VERSION go info src sum
  if [ -s "$dir/keda.sh_scaledobjects.yaml" ]; then say "KEDA $KEDA_VERSION CRDs: cached"; return; fi
  go=$(go_cmd)
  [ -n "$go" ] || die "Go not found (it fetches the KEDA CRDs from the Go module proxy)"
  say "fetching the Go module github.com/kedacore/keda/v2@$KEDA_VERSION…"
  info=$("$go" mod download -json "github.com/kedacore/keda/v2@$KEDA_VERSION") ||
    die "go mod download github.com/kedacore/keda/v2@$KEDA_VERSION failed"
  sum=$(sed -n 's/.*"Sum": "\(.*\)".*/\1/p' <<<"$info")
  [ "$sum" = "$KEDA_MODULE_SUM" ] || die "the KEDA module's checksum $sum differs from the pinned $KEDA_MODULE_SUM"
  src=$(sed -n 's/.*"Dir": "\(.*\)".*/\1/p' <<<"$info")/config/crd/bases
  mkdir -p "$dir.tmp"
  cp "$src/keda.sh_scaledobjects.yaml" "$src/keda.sh_triggerauthentications.yaml" "$dir.tmp/"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  say "copied the ScaledObject and TriggerAuthentication CRDs into ${dir#"$ROOT"/}"
}

kustomize
strimzi_crd
keda_crds
