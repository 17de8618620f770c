#!/usr/bin/env bash
# Side by side, in one run, on the same export: ClaudeDirector's core (release
# build) and jira-agile-metrics 0.24 (`run_peer.py --calc-only`), same workflow.
#
#   bench/compare_peer.sh target/bench/v2/10k.json
#
# Needs target/peer-venv (the `peer` integration test creates it) and the peer
# scripts in ../shared/bench/peer (or PEER_DIR).
set -euo pipefail
export_file=${1:?usage: bench/compare_peer.sh EXPORT.json}
root=$(cd "$(dirname "$0")/.." && pwd)
peer_dir=${PEER_DIR:-$root/../shared/bench/peer}
out=$root/target/bench/peer-out
mkdir -p "$out"

cargo build --release -q -p director-core --example bench_flow
ours_start=$(date +%s.%N)
"$root/target/release/examples/bench_flow" "$export_file" "$root/bench/workflow.toml" > "$out/ours.json"
ours_end=$(date +%s.%N)

peer_start=$(date +%s.%N)
"$root/target/peer-venv/bin/python" "$peer_dir/run_peer.py" "$export_file" --out "$out" \
    --jql "project = X" --workflow "$root/bench/peer-workflow.yml" --calc-only --timings "$out/peer.json" > /dev/null
peer_end=$(date +%s.%N)

python3 - "$out/ours.json" "$out/peer.json" "$ours_start" "$ours_end" "$peer_start" "$peer_end" <<'PY'
import json, sys
ours, peer = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
ours_wall = float(sys.argv[4]) - float(sys.argv[3])
peer_wall = float(sys.argv[6]) - float(sys.argv[5])
print("issues: ours %d, peer %d" % (ours["issues"], peer["n_issues"]))
print("process wall time:  ours %.2f s, peer %.2f s  -> %.0fx" % (ours_wall, peer_wall, peer_wall / ours_wall))
peer_work = peer["load_json_s"] + peer["wrap_objects_s"] + peer["querymanager_init_s"] + peer["run_all_calculators_s"]
print("load + compute:     ours %.2f s (read %.2f + ingest %.2f + metrics %.2f), peer %.2f s (without its %.1f s of imports) -> %.0fx"
      % (ours["read_file_s"] + ours["ingest_and_metrics_s"], ours["read_file_s"], ours["ingest_s"], ours["metrics_s"],
         peer_work, peer["import_s"], peer_work / (ours["read_file_s"] + ours["ingest_and_metrics_s"])))
print("compute only:       ours %.3f s (metrics), peer %.2f s (calculators) -> %.0fx"
      % (ours["metrics_s"], peer["run_all_calculators_s"], peer["run_all_calculators_s"] / ours["metrics_s"]))
PY
