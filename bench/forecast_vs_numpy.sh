#!/usr/bin/env bash
# Monte Carlo "when will N more items be done", side by side in one run:
# claudedirector's core (native, release) against the peer baseline
# ../shared/bench/peer/mc_baseline.py in numpy and in pure Python, on the same
# daily throughput samples, items, trials and seed. Every figure is compute
# time (each side times its own forecast call, not process start-up).
#
# mc_baseline.py imports numpy inside its timed region, so its own
# `compute_s` for numpy includes the import. The headline numpy figure calls
# its `run_numpy` in a warm process (numpy already imported) instead; the
# script's own figure is printed too.
#
#   bench/forecast_vs_numpy.sh [SAMPLES_JSON]
#
# Environment: ITEMS (200), TRIALS (10000), RUNS (numpy process runs, 15),
# PY_RUNS (pure Python runs, 3), PEER (path to mc_baseline.py).
set -euo pipefail
cd "$(dirname "$0")/.."

SAMPLES=${1:-bench/samples-3-per-day.json}
ITEMS=${ITEMS:-200}
TRIALS=${TRIALS:-10000}
RUNS=${RUNS:-15}
PY_RUNS=${PY_RUNS:-3}
PEER=${PEER:-../shared/bench/peer/mc_baseline.py}
VENV=target/bench-venv

if [ ! -f "$PEER" ]; then
  echo "peer baseline not found at $PEER (set PEER=...)" >&2
  exit 1
fi
if ! "$VENV/bin/python" -c 'import numpy' 2>/dev/null; then
  echo "installing numpy into $VENV ..." >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet numpy
fi
PY="$VENV/bin/python"

echo "building the benchmark (release) ..." >&2
cargo build --release --quiet -p director-core --example bench_forecast
OURS=$(target/release/examples/bench_forecast --samples "$SAMPLES" --items "$ITEMS" \
  --trials "$TRIALS" --seed 42 --runs 101 --json)

NUMPY_OUT=$(mktemp) PYTHON_OUT=$(mktemp)
trap 'rm -f "$NUMPY_OUT" "$PYTHON_OUT"' EXIT
for _ in $(seq "$RUNS"); do
  "$PY" "$PEER" "$SAMPLES" --impl numpy --items "$ITEMS" --trials "$TRIALS" --seed 42 >>"$NUMPY_OUT"
done
for _ in $(seq "$PY_RUNS"); do
  "$PY" "$PEER" "$SAMPLES" --impl python --items "$ITEMS" --trials "$TRIALS" --seed 42 >>"$PYTHON_OUT"
done

"$PY" - "$NUMPY_OUT" "$PYTHON_OUT" "$OURS" "$("$PY" -c 'import numpy; print(numpy.__version__)')" \
  "$PEER" "$SAMPLES" "$ITEMS" "$TRIALS" "$RUNS" <<'PYEOF'
import importlib.util, json, statistics, sys, time
import numpy
numpy_runs = [json.loads(line) for line in open(sys.argv[1])]
python_runs = [json.loads(line) for line in open(sys.argv[2])]
ours = json.loads(sys.argv[3])
peer_path, samples_path = sys.argv[5], sys.argv[6]
items, trials, runs = int(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9])
spec = importlib.util.spec_from_file_location("mc_baseline", peer_path)
peer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(peer)
samples = json.load(open(samples_path))["daily_throughput_samples"]
warm = []
for _ in range(runs):
    started = time.perf_counter()
    peer.run_numpy(samples, items, trials, 42)
    warm.append(time.perf_counter() - started)
numpy_ms = statistics.median(warm) * 1000
script_numpy_ms = statistics.median(run["compute_s"] for run in numpy_runs) * 1000
python_ms = statistics.median(run["compute_s"] for run in python_runs) * 1000
ours_ms = ours["median_ms"]
n = numpy_runs[0]
print(f"samples: {n['n_samples']} days, mean {n['sample_mean_per_day']:.2f} items/day; "
      f"{ours['items']} items, {ours['trials']} trials, seed 42")
print(f"{'implementation':<28}{'median ms':>12}{'runs':>6}   days p50/p85/p95")
print(f"{'claudedirector (Rust)':<28}{ours_ms:>12.3f}{ours['runs']:>6}   "
      f"{ours['days_p50']}/{ours['days_p85']}/{ours['days_p95']} (nearest rank)")
print(f"{'numpy ' + sys.argv[4] + ' (warm)':<28}{numpy_ms:>12.3f}{runs:>6}   "
      f"{n['days_p50']:g}/{n['days_p85']:g}/{n['days_p95']:g} (interpolated)")
print(f"{'mc_baseline.py --impl numpy':<28}{script_numpy_ms:>12.3f}{len(numpy_runs):>6}   "
      f"(its compute_s, numpy import included)")
exact = ours["exact_days"]
print(f"{'claudedirector, exact':<28}{ours['exact_median_ms']:>12.3f}{ours['runs']:>6}   "
      f"{exact[0]}/{exact[1]}/{exact[2]} (no sampling)")
p = python_runs[0]
print(f"{'pure Python':<28}{python_ms:>12.3f}{len(python_runs):>6}   "
      f"{p['days_p50']:g}/{p['days_p85']:g}/{p['days_p95']:g} (interpolated)")
print(f"Monte Carlo speed-up vs numpy (warm): {numpy_ms / ours_ms:.1f}x   "
      f"vs mc_baseline.py numpy: {script_numpy_ms / ours_ms:.0f}x   vs pure Python: {python_ms / ours_ms:.0f}x")
print(f"exact method vs numpy Monte Carlo (warm): {numpy_ms / ours['exact_median_ms']:.0f}x")
PYEOF
