#!/usr/bin/env bash
# A kubectl stand-in over network namespaces, for test/capture.test.ts. It knows only the forms
# `natlens capture` uses:
#   kubectl get KINDS [NAME] [-n NS | -A] -o json     answered from $NATLENS_STANDIN_DIR/list.json
#   kubectl debug node/NODE ... -- CMD ARGS           ip netns exec <the node's netns> CMD ARGS
#   kubectl debug pod/POD -n NS ... -- CMD ARGS       ip netns exec <the pod's netns> CMD ARGS
# $NATLENS_STANDIN_DIR/map holds "node/NAME NETNS" and "pod/NS/NAME NETNS" lines. A debug target
# named in $NATLENS_STANDIN_FAIL (node/NAME or pod/NAME) fails the way an unpullable image does.
# Every call is appended to $NATLENS_STANDIN_DIR/calls.log. `exec` keeps stdin, stdout, stderr and
# signals going straight to the command.
set -euo pipefail
dir=${NATLENS_STANDIN_DIR:?NATLENS_STANDIN_DIR is not set}
printf '%q ' "$@" >>"$dir/calls.log"; echo >>"$dir/calls.log"

verb=${1:-}; shift || true
case $verb in
get)
  kinds=$1; shift
  name=""; ns=""; all=0; output=""
  while [ $# -gt 0 ]; do
    case $1 in
      -n|--namespace) ns=$2; shift 2 ;;
      -A|--all-namespaces) all=1; shift ;;
      -o) output=$2; shift 2 ;;
      -*) shift ;;
      *) name=$1; shift ;;
    esac
  done
  [ "$output" = json ] || { echo "error: the stand-in answers only -o json" >&2; exit 1; }
  [ $all = 1 ] && ns=""
  [ -z "$ns" ] && [ $all = 0 ] && ns=default
  kindlist=$(tr ',' '\n' <<<"$kinds" | while read -r k; do
    case $k in
      po|pod|pods) echo Pod ;; svc|service|services) echo Service ;;
      endpointslice|endpointslices) echo EndpointSlice ;; no|node|nodes) echo Node ;;
      cm|configmap|configmaps) echo ConfigMap ;; *) echo "$k" ;;
    esac
  done | jq -R . | jq -sc .)
  items=$(jq -c --argjson kinds "$kindlist" --arg ns "$ns" --arg name "$name" '
    [.items[] | select(.kind as $k | $kinds | index($k))
              | select($ns == "" or .kind == "Node" or .metadata.namespace == $ns)
              | select($name == "" or .metadata.name == $name)]' "$dir/list.json")
  if [ -n "$name" ]; then
    if [ "$(jq length <<<"$items")" = 0 ]; then
      echo "Error from server (NotFound): ${kinds} \"$name\" not found" >&2; exit 1
    fi
    jq '.[0]' <<<"$items"
  else
    jq '{apiVersion: "v1", kind: "List", metadata: {resourceVersion: ""}, items: .}' <<<"$items"
  fi
  ;;
debug)
  target=$1; shift
  ns=default
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    case $1 in -n|--namespace) ns=$2; shift 2 ;; *) shift ;; esac
  done
  [ "${1:-}" = -- ] || { echo "error: the stand-in needs -- CMD" >&2; exit 1; }
  shift
  case $target in
    node/*) key=$target ;;
    pod/*) key="pod/$ns/${target#pod/}" ;;
    *) echo "error: cannot debug $target" >&2; exit 1 ;;
  esac
  if [ -n "${NATLENS_STANDIN_FAIL:-}" ] && [ "$target" = "$NATLENS_STANDIN_FAIL" ]; then
    echo "error: ephemeral container for $target: ErrImagePull: failed to pull image (stand-in failure)" >&2
    exit 1
  fi
  netns=$(awk -v k="$key" '$1 == k { print $2 }' "$dir/map")
  [ -n "$netns" ] || { echo "Error from server (NotFound): ${target%%/*}s \"${target#*/}\" not found" >&2; exit 1; }
  exec ip netns exec "$netns" "$@"
  ;;
*)
  echo "error: the stand-in does not know 'kubectl $verb'" >&2; exit 1 ;;
esac
