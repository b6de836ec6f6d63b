"""Every page executed once, each in a fresh kernel of this virtual environment; the executed notebooks go into
jupyter-cache (docs/_build/.jupyter_cache), where myst-nb finds their outputs when Sphinx writes the pages.

What to execute is the plan's decision (plan.py: a page's processed code, the library or the environment changed,
or the cache lacks it). A lesson that raises fails the build, naming its notebook. This build is the lessons' test
in `make test`: no other check executes these notebooks.

Kernels run `jobs` at a time (default: one per usable core, at most 4), each with one torch/OpenMP thread when
there are several, so that they do not fight over the cores. A kernel talks to this process over local sockets
(ZeroMQ `ipc`), not TCP: nothing listens on a port, and the kernel has no reason to warn that TCP is unencrypted."""
import asyncio, hashlib, json, os, sys, tempfile, time, uuid
from . import SiteError, log
from .paths import EXEC_CACHE, JUPYTER, ROOT, SRC

TIMEOUT = 300  # seconds one cell may run
JOBS = max(1, min(4, len(os.sched_getaffinity(0))))
_CACHED = 'from the cache (no code or library change)'


def _prepend(var:str, path) -> str:
    return os.pathsep.join([str(path)] + [p for p in os.environ.get(var, '').split(os.pathsep) if p])


def kernel_environment(jobs:int=1):
    "A `python3` kernelspec that runs this interpreter (found first through JUPYTER_PATH), importing this checkout."
    spec = dict(argv=[sys.executable, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
                display_name='Python 3 (lessonkit .venv)', language='python', metadata={'debugger': False})
    if jobs > 1: spec['env'] = dict(OMP_NUM_THREADS='1')  # kernels side by side: one thread each
    path = JUPYTER/'kernels'/'python3'/'kernel.json'
    text = json.dumps(spec, indent=1)
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    os.environ['PYTHONPATH'] = _prepend('PYTHONPATH', ROOT)
    os.environ['JUPYTER_PATH'] = _prepend('JUPYTER_PATH', JUPYTER)


def _kernel_manager_class(sockets:str):
    "A kernel manager class whose kernels listen on ZeroMQ ipc sockets (files under `sockets`), not on TCP ports."
    from jupyter_client.manager import AsyncKernelManager

    class IpcKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):  # `ip` is the sockets' path prefix: absolute, as the kernel runs elsewhere
            super().__init__(transport='ipc', ip=os.path.join(sockets, uuid.uuid4().hex[:8]), **kwargs)
    return IpcKernelManager


def code_digest(nb) -> str:
    "What jupyter-cache keys an execution on: the code cells (source and metadata) and the kernelspec."
    code = [(c['source'], c['metadata']) for c in nb['cells'] if c['cell_type'] == 'code']  # (a dict does too)
    return hashlib.sha256(json.dumps([code, nb['metadata'].get('kernelspec')], sort_keys=True).encode()).hexdigest()


def _row(name:str, width:int, seconds, how:str) -> str:
    return f"  {name:<{width}}  {'' if seconds is None else f'{seconds:6.1f} s'}  {how}"


def times(site_pages:list, plan, log=log):
    "Print each page's last execution time (for a build that found nothing to do)."
    notebooks = [p for p in site_pages if p.path is not None]
    width = max(len(p.name) for p in notebooks)
    for p in notebooks: log(_row(p.name, width, plan.seconds(p.name), _CACHED))


async def _run_all(todo:list, jobs:int, done):
    "Execute the (page, notebook, code) triples, `jobs` at a time; call done(page, nb, code, seconds, error) after each."
    from nbclient import NotebookClient
    gate = asyncio.Semaphore(jobs)
    with tempfile.TemporaryDirectory(prefix='lk-') as sockets:  # a short path: a socket's path has at most 107 bytes
        manager = _kernel_manager_class(sockets)

        async def one(page, nb, code):
            async with gate:
                start, error = time.perf_counter(), None
                try:  # in the folder of the page's notebook in nbs/, as Jupyter runs it
                    await NotebookClient(nb, timeout=TIMEOUT, kernel_name='python3', kernel_manager_class=manager,
                                         record_timing=False,
                                         resources={'metadata': {'path': str(page.path.parent)}}).async_execute()
                except Exception as e: error = e  # a cell raised or timed out, or the kernel died
                done(page, nb, code, time.perf_counter() - start, error)
        await asyncio.gather(*(one(*t) for t in todo))


def execute(site_pages:list, plan, log=log, jobs:int=JOBS) -> list:
    "Execute the pages the plan says must run; print each one's time; return their names. Raise naming any that fail."
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    cache, executed, failed, todo = get_cache(str(EXEC_CACHE)), [], [], []
    notebooks = [p for p in site_pages if p.path is not None]
    width = max(len(p.name) for p in notebooks)
    log("\nlesson execution (each page in a fresh kernel, outputs kept in jupyter-cache):")
    for page in notebooks:
        nb = nbformat.read(SRC/f'{page.name}.ipynb', as_version=4)
        try: cache.match_cache_notebook(nb)
        except KeyError: plan.forget('execute', page.name)  # not in the cache (it was removed): run it
        code = code_digest(nb)
        if plan.stale('execute', page.name, code=code): todo.append((page, nb, code))
        else: log(_row(page.name, width, plan.seconds(page.name), _CACHED))
    todo.sort(key=lambda t: -(plan.seconds(t[0].name) or 1e9))  # the longest first (as last time), new ones first of all

    def done(page, nb, code, seconds, error):
        if error is not None:
            log(f"{type(error).__name__} in nbs/{page.name}.ipynb:\n{error}")
            log(_row(page.name, width, seconds, 'FAILED'))
            return failed.append(page.name)
        src = SRC/f'{page.name}.ipynb'
        cache.cache_notebook_bundle(CacheBundleIn(nb, str(src), data={'execution_seconds': seconds}),
                                    check_validity=False, overwrite=True)
        os.utime(src)  # Sphinx reads the page again, with its new outputs
        plan.done('execute', page.name, seconds=seconds, code=code)
        executed.append(page.name)
        log(_row(page.name, width, seconds, 'executed now' + (f' ({jobs} at a time)' if jobs > 1 else '')))
    if todo:
        jobs = max(1, min(jobs, len(todo)))
        kernel_environment(jobs)
        asyncio.run(_run_all(todo, jobs, done))
    if failed:
        names = ', '.join(f'nbs/{n}.ipynb' for n in failed)
        raise SiteError(f"a lesson raised while executing: {names} (the traceback is above); open it with `make lab`, "
                        "run it top to bottom, fix it, `make export`, then `make site`")
    return executed
