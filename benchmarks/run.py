"""lessonkit's benchmarks: run them, print a table with each target met or missed, write benchmarks/results.json.

Usage: `python benchmarks/run.py [--only imports,losses,...]` (default: every section, in the order below).
Sections: imports, losses, interpret, interpret_loader, explorers, lessons, site. See benchmarks/README.md for what each measures.
With `--only`, sections not run keep their previous figures from results.json (each section records when it ran)."""
import argparse, json, os, platform, subprocess, sys, time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import ROOT, BENCH

RESULTS = BENCH/'results.json'
SECTIONS = ['imports', 'losses', 'interpret', 'interpret_loader', 'explorers', 'lessons', 'site']

# the targets: (section, label, how to read the value from that section's results, limit, unit); value <= limit is met
TARGETS = [
    ('lessons', 'whole course (every lesson, sequential, cold model cache)', lambda r: r['course_total_s'], 60, 's'),
    ('site', 'warm site rebuild', lambda r: r['warm_s'], 20, 's'),
    ('imports', 'import lessonkit / import torch', lambda r: r['ratio'], 1.3, 'x'),
    ('interpret', 'interpretation 1e6 x 100: time', lambda r: r['total_s'], 5, 's'),
    ('interpret', 'interpretation 1e6 x 100: peak memory / logits', lambda r: r['peak_over_logits'], 3, 'x'),
    ('interpret_loader', 'from_model over a DataLoader 1e6 x 100: time / from tensors', lambda r: r['time_ratio'], 1.5, 'x'),
    ('interpret_loader', 'from_model over a DataLoader 1e6 x 100: peak memory / probabilities',
     lambda r: r['peak_over_probs'], 2, 'x'),
]

def machine() -> dict:
    "What this machine is, so that figures can be compared with the ones taken elsewhere."
    cpuinfo = Path('/proc/cpuinfo').read_text() if Path('/proc/cpuinfo').exists() else ''
    model = next((l.split(':', 1)[1].strip() for l in cpuinfo.splitlines() if l.startswith('model name')), platform.processor() or 'unknown')
    import torch
    try: commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError: commit = None
    return dict(platform=platform.platform(), cpu_model=model, cores=os.cpu_count(), usable_cores=len(os.sched_getaffinity(0)), python=platform.python_version(),
                torch=torch.__version__, torch_threads=torch.get_num_threads(), git_commit=commit,
                date=datetime.now(timezone.utc).isoformat(timespec='seconds'), load_average_at_start=list(os.getloadavg()))

def run_section(name:str) -> dict:
    "Run one section; a section that cannot run (its subject has not landed, or it crashed) says why."
    import importlib
    start = time.perf_counter()
    try: res = importlib.import_module(f'bench_{name}').run()
    except Exception as e: res = dict(status='error', error=f"{type(e).__name__}: {e}")
    res.setdefault('status', 'ok')
    res['ran_at'] = datetime.now(timezone.utc).isoformat(timespec='seconds')
    res['section_wall_s'] = round(time.perf_counter() - start, 1)
    res['load_average_after'] = list(os.getloadavg())
    return res

def status(value, limit): return 'met' if value <= limit else 'MISSED'

def rows(results:dict) -> list:
    "(measurement, value, target, status) rows for the table."
    out = []
    def missing(section, label):
        r = results.get(section, {})
        why = (r.get('reason') or r.get('error') or '').strip().splitlines()
        out.append((label, r.get('status', 'not run') + (f": {why[-1][:100]}" if why else ''), '', 'MISSING'))
    for section, label, get, limit, unit in TARGETS:
        r = results.get(section, {})
        if r.get('status') != 'ok': missing(section, label); continue
        v = get(r)
        out.append((label, f"{v:.3g} {unit}", f"<= {limit} {unit}", status(v, limit)))
    if results.get('losses', {}).get('status') == 'ok':
        for key, r in results['losses']['results'].items():
            label = f"{key} fwd+bwd vs torch" + ('' if r['in_task_list'] else ' (extra)')
            value = f"{r['ratio']:.2f}x ({r['ours_s']['median']*1e3:.2f} vs {r['torch_s']['median']*1e3:.2f} ms; fastest {r.get('ratio_of_minimums', float('nan')):.2f}x)"
            limit = r.get('target', 1.5)  # each row names its target; None: reported, no target
            out.append((label, value, f'<= {limit}x' if limit else '', status(r['ratio'], limit) if limit else ''))
    else: missing('losses', 'loss ratios')
    if results.get('explorers', {}).get('status') == 'ok':
        for name, r in results['explorers']['explorers'].items():
            out.append((f"{name}: one slider change", f"median {r['median_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms", 'median <= 30 ms', status(r['median_ms'], 30)))
    else: missing('explorers', 'explorer update latency')
    if results.get('lessons', {}).get('status') == 'ok':
        for name, r in results['lessons']['notebooks'].items():
            out.append((f"  {name}", f"{r['total_s']:.1f} s" + ('' if r['ok'] else ' FAILED'), '', ''))
        r = results['lessons']
        out.append(('every notebook (lessons, home, reference pages)', f"{r['all_notebooks_total_s']:.1f} s, of which kernel start-up and shutdown {r['kernel_overhead_s']:.1f} s", '', ''))
    if results.get('interpret_loader', {}).get('status') == 'ok':
        r = results['interpret_loader']
        wall, alone = r['time']['best_wall_s'], r['time']['loader_alone_s']
        out.append(('  from_model: tensors / DataLoader / default per-item DataLoader / all outputs first',
                    ' / '.join(f"{wall[k]:.2f} s" for k in ('tensors', 'loader', 'loader_per_item', 'full_outputs')) +
                    f" (CPU-time ratio {r['cpu_time_ratio']:.2f}x)", '', ''))
        out.append(('  the DataLoaders alone, yielding their batches: batched / per item',
                    f"{alone['loader']:.2f} s / {alone['loader_per_item']:.2f} s; from_model over the DataLoader less "
                    f"its loader's time: {(wall['loader'] - alone['loader']) / wall['tensors']:.2f}x the tensors'", '', ''))
        out.append(('  from_model peak memory / probabilities: tensors / all outputs first',
                    f"{r['tensors_peak_over_probs']:.2f}x / {r['full_outputs_peak_over_probs']:.2f}x", '', ''))
    if results.get('site', {}).get('status') == 'ok':
        out.append(('cold site build', f"{results['site']['cold_s']:.1f} s", '', ''))
    if results.get('imports', {}).get('status') == 'ok':
        r = results['imports']
        ok = not r['matplotlib_loaded'] and not r['ipywidgets_loaded']
        out.append(('matplotlib, ipywidgets after import lessonkit', 'absent' if ok else 'LOADED', 'absent', 'met' if ok else 'MISSED'))
    return out

def print_table(results:dict):
    m = results['machine']
    print(f"\nlessonkit benchmarks on {m['cpu_model']}, {m['cores']} cores, torch {m['torch']}, {m['platform']} ({m['date']})")
    busy = {k: v['load_average_after'][0] for k, v in results.items() if isinstance(v, dict) and 'load_average_after' in v}
    if busy and max(busy.values()) > 0.5 * m['cores']:
        print(f"note: other processes were running (1-minute load average up to {max(busy.values()):.1f} on {m['cores']} cores); "
              "timings are pessimistic and ratios noisy: the 'fastest' ratios are the least disturbed")
    table = rows(results)
    w = [max(len(str(r[i])) for r in table + [('measurement', 'value', 'target', 'status')]) for i in range(4)]
    line = lambda r: '  '.join(str(c).ljust(w[i]) for i, c in enumerate(r)).rstrip()
    print(line(('measurement', 'value', 'target', 'status')))
    print('  '.join('-' * x for x in w))
    for r in table: print(line(r))
    missed = [r[0] for r in table if r[3] in ('MISSED', 'MISSING')]
    print(f"\n{len([r for r in table if r[3] == 'met'])} targets met, {len(missed)} missed or missing" + (f": {', '.join(missed)}" if missed else ''))

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--only', default='', help=f"comma-separated sections to run (default: all of {','.join(SECTIONS)})")
    args = ap.parse_args(argv)
    names = [s.strip() for s in args.only.split(',') if s.strip()] or SECTIONS
    unknown = set(names) - set(SECTIONS)
    if unknown: ap.error(f"unknown section(s) {', '.join(sorted(unknown))}; expected some of {', '.join(SECTIONS)}")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() and args.only else {}
    results['machine'] = machine()
    for name in names:
        print(f"--- {name} ...", file=sys.stderr, flush=True)
        results[name] = run_section(name)
        print(f"    {name}: {results[name]['status']} in {results[name]['section_wall_s']} s", file=sys.stderr, flush=True)
        RESULTS.write_text(json.dumps(results, indent=1) + '\n')
    results['targets'] = [dict(zip(('measurement', 'value', 'target', 'status'), r)) for r in rows(results) if r[3]]
    RESULTS.write_text(json.dumps(results, indent=1) + '\n')
    print_table(results)
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")

if __name__ == '__main__': main()
