#!/usr/bin/env bash
# Frame rate and edit latency of the studio in its real window, on the largest preset, under Xvfb.
#
#   benches/gui_window.sh BINARY OUTDIR      (BINARY: target/release/packwright; OUTDIR: a new folder)
#
# Needs Xvfb, xdotool, ImageMagick `import` and python3. Opens presets/sedan_2170_nmc.ron with
# PACKWRIGHT_FRAME_LOG=OUTDIR/frames.log (the window then repaints continuously, so frames/s is what
# the machine can draw), and drives it with clicks (keys do not reach a window without a window
# manager): 20 s idle on the Pack view; 10 s idle on Vehicle & run; 8 edits (fidelity group <-> cell,
# each click one undoable edit) 3 s apart; Run (cell fidelity); 8 s on Pack and 10 s on Vehicle & run
# while it runs; 8 rounds of Run (a no-op while one goes) + 2 edits; then, once that run has
# finished, 15 s on Results (the finished cell run) and 8 s on Results while another cell run goes
# (it shows the previous run; OUTDIR/results.png is the view). `GUI_WINDOW_PHASES=results` runs only
# those two Results phases (after one cell run from the fresh window), for quick before/after
# comparisons. Prints medians and percentiles of the frame interval, the UI code time, and edit ->
# roll-up / lumped range on screen, per phase, with frames and edits counted only while the frame
# log's run flag is 1 for the "[run]" lines, and the app's CPU time per frame over the phase (all
# threads from /proc, llvmpipe's rasteriser threads included; less sensitive to other processes'
# load than the frame interval, but in "[run]" phases it includes the simulation). Do not edit this
# file while it runs (bash reads it as it goes). Coordinates
# are those of the 1280x800 window at (0,0) on a 1600x1000 screen; a layout change may move them
# (check OUTDIR/running.png). Set PACKWRIGHT_RENDERER=wgpu to measure the wgpu renderer.
# Each frame line also carries, for the frame its interval ends, the view, eframe's CPU time (UI,
# tessellation, GL calls; not the swap) and what it sent to the renderer (see src/gui/app.rs);
# PACKWRIGHT_FRAME_STATS=1 (exported before running this) adds vertex, index and pixel counts at
# the price of a second tessellation per frame (the per-phase medians are then printed too), so
# measure frame rates without it.
set -u
bin=$(realpath "$1"); out=$2; mkdir -p "$out"; out=$(realpath "$out"); rm -f "$out"/frames.log "$out"/marks "$out"/cpu "$out"/uptime
preset=$(dirname "$(realpath "$0")")/../presets/sedan_2170_nmc.ron
disp=140; while [ -e /tmp/.X11-unix/X$disp ] || [ -e /tmp/.X$disp-lock ]; do disp=$((disp+1)); done
Xvfb :$disp -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
export DISPLAY=:$disp HOME=$out/home XDG_DATA_HOME=$out/home/data XDG_CONFIG_HOME=$out/home/config
export XDG_RUNTIME_DIR=$out/xdg; mkdir -p -m 700 "$XDG_RUNTIME_DIR" "$HOME"
sleep 1
PACKWRIGHT_FRAME_LOG=$out/frames.log "$bin" "$preset" >"$out/app.log" 2>&1 &
app_pid=$!
trap 'kill $app_pid $xvfb_pid 2>/dev/null' EXIT
mark() {
    echo "$1 $(wc -l < "$out/frames.log")" >> "$out/marks"; uptime >> "$out/uptime"
    # The app's CPU time so far (user + system, all threads, llvmpipe's rasteriser threads included).
    echo "$1 $(awk '{print $14 + $15}' /proc/$app_pid/stat)" >> "$out/cpu"
}
click() { xdotool mousemove "$1" "$2" click 1; }
sleep 8
grep -E "swrast|libvulkan|libEGL_mesa|libGLX_mesa" /proc/$app_pid/maps | awk '{print $6}' | sort -u > "$out/libs"
# The run flag of the last frame line (1 while a Run-button run goes).
run_flag() { grep '^frame' "$out/frames.log" | tail -n 1 | awk '{print $4}'; }
wait_run_start() { for _ in $(seq 20); do [ "$(run_flag)" = 1 ] && return 0; sleep 1; done; return 1; }
wait_run_end() { for _ in $(seq 180); do [ "$(run_flag)" = 0 ] && return; sleep 1; done; }
phases=${GUI_WINDOW_PHASES:-all}
if [ "$phases" = all ]; then
mark idle_start; sleep 20; mark idle_end
click 396 40; sleep 2                                   # Vehicle & run tab
mark sim_idle_start; sleep 10; mark sim_idle_end
mark idle_edits_start
for i in 1 2 3 4; do click 810 214; sleep 3; click 856 214; sleep 3; done   # fidelity group, cell
mark idle_edits_end
click 645 309; sleep 1                                  # Run simulation (cell fidelity)
import -window root "$out/running.png"
# The Pack view first: since session 9 the sedan's cell run to empty lasts only ~7-10 s here.
click 328 40; sleep 1                                   # Pack tab
mark run_pack_start; sleep 8; mark run_pack_end
click 396 40; sleep 1
mark run_sim_start; sleep 10; mark run_sim_end
mark run_edits_start
for i in 1 2 3 4 5 6 7 8; do click 645 309; sleep 2; click 810 214; sleep 3; click 856 214; sleep 3; done
mark run_edits_end
else
click 396 40; sleep 2; click 856 214; sleep 2          # Vehicle & run, fidelity cell
click 645 309                                           # Run simulation (cell fidelity)
wait_run_start || { click 645 309; wait_run_start; } || echo "no run started" >&2
fi
wait_run_end; sleep 1
click 471 40; sleep 2                                   # Results tab (the finished cell run)
import -window root "$out/results.png"
mark results_start; sleep 15; mark results_end
click 396 40; sleep 1; click 645 309; sleep 1           # another cell run
click 471 40; sleep 1
mark run_results_start; sleep 8; mark run_results_end
python3 - "$out" <<'EOF'
import sys, statistics as st
d = sys.argv[1]
lines = open(d + '/frames.log').read().splitlines()
marks = dict((k, int(v)) for k, v in (l.split() for l in open(d + '/marks')))
cpu = dict((k, int(v)) for k, v in (l.split() for l in open(d + '/cpu')))
hz = int(__import__('os').sysconf('SC_CLK_TCK'))
def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))] if xs else float('nan')
def seg(a, b, label, only_run):
    fr, ed, cur = [], [], '0'
    for l in lines[marks[a]:marks[b]]:
        w = l.split()
        if w[0] == 'frame':
            cur = w[3]
            if (not only_run or cur == '1') and w[1] != 'nan':
                fr.append((float(w[1]), float(w[2]),
                           (int(w[10]), int(w[11]), float(w[14])) if len(w) > 14 else (0, 0, 0.0)))
        elif w[0] == 'edit' and (not only_run or cur == '1'):
            ed.append((float(w[2]), float(w[4])))
    if not fr:
        print(f'== {label}: no frames'); return
    iv = [f[0] for f in fr]; ui = [f[1] for f in fr]
    st_ = [f[2] for f in fr if f[2][0] > 0]
    print(f'== {label}: {len(fr)} frames; frames/s {1000 / st.median(iv):.1f} (median interval '
          f'{st.median(iv):.1f} ms, p90 {pct(iv, 90):.1f}, p99 {pct(iv, 99):.1f}; mean rate '
          f'{1000 * len(iv) / sum(iv):.1f}/s); UI code median {st.median(ui):.2f} ms, p99 {pct(ui, 99):.2f}')
    n_all = sum(1 for l in lines[marks[a]:marks[b]] if l.startswith('frame'))
    print(f'   process CPU time {1000 * (cpu[b] - cpu[a]) / hz / max(n_all, 1):.1f} ms per frame '
          f'(all threads, over all {n_all} frames of the phase)')
    if st_:
        print(f'   per frame (median of {len(st_)}): {st.median(x[0] for x in st_):.0f} vertices, '
              f'{st.median(x[1] for x in st_):.0f} indices, {st.median(x[2] for x in st_):.2f} Mpx covered')
    if ed:
        f = [e[0] for e in ed]; r = [e[1] for e in ed]
        print(f'   {len(ed)} edits: roll-up on screen median {st.median(f):.0f} ms (max {max(f):.0f}); '
              f'lumped range on screen median {st.median(r):.0f} ms (p90 {pct(r, 90):.0f}, max {max(r):.0f})')
for a, l in [('idle', 'idle, Pack view'), ('sim_idle', 'idle, Vehicle & run view'),
             ('idle_edits', 'edits, no run'), ('run_sim', '[run] Vehicle & run view'),
             ('run_pack', '[run] Pack view'), ('run_edits', '[run] edits'),
             ('results', 'Results view, finished cell run'),
             ('run_results', '[run] Results view (previous run)')]:
    if a + '_start' not in marks:
        continue
    seg(a + '_start', a + '_end', l, l.startswith('[run]'))
print('renderer libraries:', ' '.join(open(d + '/libs').read().split()))
print('load:', open(d + '/uptime').read().splitlines()[-1].split('load average:')[1])
EOF
