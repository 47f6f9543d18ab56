#!/bin/sh
# build.sh <bin-dir> [module-dir]
#
# Builds kube-events-apiserver and kubectl into <bin-dir> (keep it outside
# the repository) from module-dir (default: this folder, i.e. the committed
# go.mod; or a folder made by derive-gomod.sh). Both are stamped with the
# Kubernetes version that go.mod requires, so /version and `kubectl version`
# report it instead of v0.0.0-master.
set -eu

if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then
	echo "usage: $0 <bin-dir> [module-dir]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
bindir=$(cd "$1" && pwd)
moddir=$(cd "${2:-$here}" && pwd)

# KUBE_EVENTS_GO_BUILD_FLAGS (e.g. -v for progress) is appended to GOFLAGS.
export GOTOOLCHAIN=local GOFLAGS="-mod=mod${KUBE_EVENTS_GO_BUILD_FLAGS:+ $KUBE_EVENTS_GO_BUILD_FLAGS}" CGO_ENABLED=0
cd "$moddir"

version=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)
minor=$(printf '%s\n' "$version" | cut -d. -f2)
ldflags="-s -w"
ldflags="$ldflags -X k8s.io/component-base/version.gitVersion=$version"
ldflags="$ldflags -X k8s.io/component-base/version.gitMajor=1"
ldflags="$ldflags -X k8s.io/component-base/version.gitMinor=$minor"
ldflags="$ldflags -X k8s.io/component-base/version.gitTreeState=clean"

echo "build.sh: kube-apiserver harness + kubectl $version -> $bindir" >&2
go build -trimpath -ldflags "$ldflags" -o "$bindir/kube-events-apiserver" .
go build -trimpath -ldflags "$ldflags" -o "$bindir/kubectl" k8s.io/kubernetes/cmd/kubectl
