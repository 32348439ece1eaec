"""Run an ablation plan: every (experiment, seed) is an independent job that trains, evaluates
and measures one detector and appends one JSON line to the results file."""
from __future__ import annotations

import datetime
import json
import math
import os
import platform
import subprocess
import time
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

import torch

from ..arguments import check_choice, check_int
from ..errors import ArgumentError, FpnlabError
from ..i18n import Strings
from .factories import _check_options, make_detector, make_split
from .plan import METRICS, PlanError, choose, jobs, load_plan

_t = Strings({
    "only": {"en": "--only {item}: no {what} in {plan}; experiments: {names}, seeds: {seeds}. Fix: name one of them.",
             "tr": "--only {item}: {plan} içinde böyle bir {what} yok; deneyler: {names}, seed'ler: {seeds}. "
                   "Düzeltme: bunlardan birini yaz."},
    "experiment": {"en": "experiment", "tr": "deney"},
    "seed": {"en": "seed", "tr": "seed"},
    "only_missing": {"en": "--only {item}: {out} has no record of it to compare with. Fix: run the plan without --only "
                           "first.",
                     "tr": "--only {item}: {out} içinde karşılaştırılacak kaydı yok. Düzeltme: önce planı --only "
                           "olmadan çalıştır."},
    "same": {"en": "{exp}/seed {seed}: retrained, every metric, parameter and FLOP count equal to the record",
             "tr": "{exp}/seed {seed}: yeniden eğitildi; bütün metrikler, parametre ve FLOP sayıları kayıtla aynı"},
    "differs": {"en": "{exp}/seed {seed}: retrained, differs from the record in {fields}",
                "tr": "{exp}/seed {seed}: yeniden eğitildi; kayıttan farklı alanlar: {fields}"},
    "worker": {"en": "fpnlab.ablation.run was called inside one of its own worker processes: the script that calls "
                     "run(..., workers>1) is re-imported by every worker. Fix: put the call under "
                     "`if __name__ == \"__main__\":` (or use workers=1, or the CLI).",
               "tr": "fpnlab.ablation.run kendi worker süreçlerinden birinin içinde çağrıldı: run(..., workers>1) "
                     "çağıran script her worker'da yeniden import edilir. Düzeltme: çağrıyı "
                     "`if __name__ == \"__main__\":` altına koy (ya da workers=1 kullan veya komut satırını)."},
    "ray": {"en": "the ray backend needs Ray. Fix: pip install 'fpnlab[ray]'",
            "tr": "ray backend'i Ray ister. Düzeltme: pip install 'fpnlab[ray]'"},
    "device": {"en": "{where}: device = {value!r} must be a device name such as 'cpu' or 'cuda'. Fix: pass a string.",
               "tr": "{where}: device = {value!r}, 'cpu' ya da 'cuda' gibi bir cihaz adı olmalı. Düzeltme: bir "
                     "string ver."},
})

BACKENDS = ("local", "ray")


class WorkerCallError(FpnlabError, RuntimeError):
    """:func:`run` was called inside one of its own worker processes (no ``__main__`` guard)."""


def _check_device(device, where: str) -> str:
    if not isinstance(device, str) or not device:
        raise ArgumentError(_t("device", where=where, value=device))
    return device


def measure(model, size: int, device: str, threads: int, batch: int = 1, repeats: int = 20, warmup: int = 3) -> dict:
    """Latency, peak memory, parameters and FLOPs of one inference pass on ``(batch, 3, size, size)``.

    Latency: the median of ``repeats`` passes after ``warmup`` (:func:`fpnlab.metrics.latency`:
    ``torch.utils.benchmark``, ``threads`` fixed, CUDA synchronised); peak memory: activation bytes
    on CPU (:func:`fpnlab.metrics.cost`), ``torch.cuda.max_memory_allocated`` on GPU.
    """
    from ..metrics import cost, latency

    size = check_int("size", size, where="measure")
    _check_device(device, "measure")
    threads = check_int("threads", threads, where="measure")
    batch = check_int("batch", batch, where="measure")
    model = model.eval()
    x = torch.rand(batch, 3, size, size, device=device)
    c = cost(model, x, repeats=1, warmup=0, threads=threads)
    latency_ms = latency(model, x, repeats=repeats, warmup=warmup, threads=threads).median_ms
    if device.startswith("cuda"):
        with torch.no_grad():
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
            model(x)
            torch.cuda.synchronize()
            peak = torch.cuda.max_memory_allocated() - base
    else:
        peak = c.peak_mem_bytes
    return {"latency_ms": latency_ms, "peak_mem_bytes": int(peak), "params": c.params, "flops": c.flops,
            "latency_threads": threads, "latency_batch": batch}


def measure_plan(plan, size: int | None = None, device: str = "cpu", threads: int = 1, rounds: int = 4,
                 number: int = 5, num_classes: int = 2) -> dict:
    """``{experiment: {"latency_ms", "peak_mem_bytes", "params", "flops", ...}}`` for every
    experiment of ``plan``, measured now in this process on freshly built (untrained) models —
    latency and memory depend on the architecture, not on the trained weights.

    Latency: every design is warmed up, then timed in ``rounds`` interleaved rounds of ``number``
    passes (each round one call of :func:`fpnlab.metrics.latency`: ``torch.utils.benchmark``,
    ``threads`` fixed, CUDA synchronised) and keeps its smallest median, so a burst of load hits
    one round of every design rather than all of one design. Memory, parameters and FLOPs:
    :func:`fpnlab.metrics.cost`, once per design.

    Each record's own ``latency_ms`` was measured at the end of its run, under whatever load the
    machine had then (on a shared laptop: other runs, a browser); to compare designs, measure
    them together, here, with this function.
    """
    if size is not None:
        size = check_int("size", size, where="measure_plan")
    _check_device(device, "measure_plan")
    for name, value in (("threads", threads), ("rounds", rounds), ("number", number), ("num_classes", num_classes)):
        check_int(name, value, where="measure_plan")
    plan = load_plan(plan)
    configs = {e["name"]: e["config"] for e in plan["experiments"]}
    return measure_configs(configs, size, device, threads, rounds, number, num_classes)


def measure_configs(configs: Mapping, size: int | None = None, device: str = "cpu", threads: int = 1,
                    rounds: int = 4, number: int = 5, num_classes: int = 2, progress=None) -> dict:
    """:func:`measure_plan` for any ``{name: configuration}`` (each with the sections a loaded
    plan's configuration has): the designs are built in this order, then timed in interleaved
    rounds. ``progress``: an optional callable called with each name once it is built and measured
    for memory (``fpnlab.design`` passes a tqdm bar's update)."""
    from ..metrics import cost, latency

    if size is not None:
        size = check_int("size", size, where="measure_configs")
    _check_device(device, "measure_configs")
    threads = check_int("threads", threads, where="measure_configs")
    rounds = check_int("rounds", rounds, where="measure_configs")
    number = check_int("number", number, where="measure_configs")
    num_classes = check_int("num_classes", num_classes, where="measure_configs")
    out, inputs = {}, {}
    for name, cfg in configs.items():
        torch.manual_seed(0)
        model = make_detector(cfg, num_classes).to(device).eval()
        side, batch = size or cfg["data"]["size"], cfg["measure"].get("latency_batch", 1)
        x = torch.rand(batch, 3, side, side, device=device)
        c = cost(model, x, repeats=1, warmup=1, threads=threads)
        out[name] = {"latency_ms": math.inf, "peak_mem_bytes": c.peak_mem_bytes, "params": c.params,
                     "flops": c.flops, "latency_threads": threads, "latency_batch": batch}
        inputs[name] = model, x
        if progress is not None:
            progress(name)
    for _ in range(rounds):
        for name, (model, x) in inputs.items():
            t = latency(model, x, repeats=number, warmup=0, threads=threads).median_ms
            out[name]["latency_ms"] = min(out[name]["latency_ms"], t)
    return out


def run_job(job: dict, device: str = "cpu") -> dict:
    """Train, evaluate and measure one (experiment, seed); return its record (a JSON-able dict)."""
    import torchvision

    from .. import __version__
    from ..coco import scaled_area_ranges
    from ..detector import evaluate, train

    start = time.perf_counter()
    cpu_start = time.process_time()
    config, seed = job["config"], job["seed"]
    split = job.get("split", "val")
    threads = config["measure"]["threads"]
    torch.set_num_threads(threads)
    base_dir = job.get("base_dir")
    train_set, val_set = make_split(config["data"], "train", base_dir), make_split(config["data"], split, base_dir)
    torch.manual_seed(seed)
    model = make_detector(config, len(train_set.classes)).to(device)
    s = config["schedule"]
    if hasattr(train_set, "batch"):
        source = train_set
    else:
        from ..data import coco_loader
        source = coco_loader(train_set, batch_size=s["batch_size"], shuffle=True, seed=seed)
    t0 = time.perf_counter()
    losses = train(model, source, steps=s["steps"], batch_size=s["batch_size"], lr=s["lr"], seed=seed,
                   progress=False)
    train_s = time.perf_counter() - t0
    ranges = config["data"].get("area_ranges", "scaled")
    area_ranges = scaled_area_ranges(config["data"]["size"]) if ranges == "scaled" else (
        None if ranges == "coco" else ranges)
    t0 = time.perf_counter()
    ap = evaluate(model, val_set, area_ranges=area_ranges, errors=True)
    eval_s = time.perf_counter() - t0
    cost = measure(model, config["data"]["size"], device, threads, config["measure"].get("latency_batch", 1))
    tail = losses[-max(1, len(losses) // 10):]
    rec = {"experiment": job["experiment"], "seed": seed, "config_hash": job["config_hash"],
           "change": job["change"], **{m: ap[m] for m in METRICS}, "area_ranges": ap["area_ranges"],
           "errors": ap["errors"], **cost, "train_loss": sum(tail) / len(tail), "train_s": train_s, "eval_s": eval_s,
           "wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu_start,
           "device": torch.cuda.get_device_name(device) if device.startswith("cuda") else f"cpu ({platform.processor() or platform.machine()})",
           "cpu_model": cpu_model(), "threads": threads, "fpnlab": __version__, "torch": torch.__version__,
           "torchvision": torchvision.__version__, **library_versions(), "config": config,
           "finished_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    if "phase" in job:  # plans of the tuning era; older records have neither (they are final runs on val)
        rec.update(phase=job["phase"], split=split)
    for k in ("tune_value", "tuned"):
        if k in job:
            rec[k] = job[k]
    return rec


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, ``platform.processor()`` elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def library_versions() -> dict:
    """Versions of Python and of the libraries a record's numbers depend on."""
    from importlib import metadata

    import numpy

    out = {"python": platform.python_version(), "numpy": numpy.__version__}
    for name in ("pycocotools", "scipy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_state(path=None) -> dict:
    """``{"git_commit", "git_dirty"}`` of the checkout that holds ``path`` (default: this
    package's source, so the commit names the code that trained); ``None`` outside a checkout.
    ``git_dirty``: the package's tracked source differs from that commit (the record may not be
    reproducible from the commit alone). Other files of the checkout — the results file being
    written, a notebook — do not count: the configuration is in every record."""
    where = Path(path).resolve() if path else Path(__file__).resolve().parents[1]  # default: the fpnlab package
    where = where if where.is_dir() else where.parent
    try:
        commit = subprocess.run(["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10)
        if commit.returncode != 0:
            return {"git_commit": None, "git_dirty": None}
        status = subprocess.run(["git", "-C", str(where), "status", "--porcelain", "--untracked-files=no", "--", "."],
                                capture_output=True, text=True, timeout=30)
        return {"git_commit": commit.stdout.strip(), "git_dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None, "git_dirty": None}


# ---------------------------------------------------------------- results file

def read_results(path) -> list[dict]:
    """The records in a results file; a line cut short by a crash is skipped."""
    path = Path(path)
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(rec, dict) and "experiment" in rec:
            out.append(rec)
    return out


def final_runs(records) -> list[dict]:
    """The final runs of a results file or record list: tuning runs (``phase: "tune"``, scored on
    the validation split with other values) left out; records older than tuning count as final."""
    if not isinstance(records, list):
        records = read_results(records)
    return [r for r in records if r.get("phase", "final") == "final"]


def differences(new: dict, old: dict) -> list[str]:
    """The fields in which a retrained record ``new`` differs from the committed ``old``: every AP
    metric (within 1e-9; nan equals nan), parameters, FLOPs and the training loss (1e-6 relative).
    Latency is left out: it measures the machine's load as much as the model."""
    out = [m for m in METRICS if not (math.isclose(new[m], old[m], abs_tol=1e-9) or (math.isnan(new[m]) and math.isnan(old[m])))]
    out += [k for k in ("params", "flops") if new[k] != old[k]]
    if not math.isclose(new["train_loss"], old["train_loss"], rel_tol=1e-6):
        out.append("train_loss")
    return out


def append_record(path, record: dict) -> None:
    """Append one record as one JSON line, flushed to disk (a crash cannot leave half a record
    in the middle of the file: a partial last line is skipped on reading and closed here)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    needs_newline = path.exists() and path.stat().st_size > 0 and not path.read_bytes().endswith(b"\n")
    with open(path, "a", encoding="utf-8") as f:
        f.write(("\n" if needs_newline else "") + json.dumps(record, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


def _key(r: dict) -> tuple:
    """What identifies a run: experiment, seed, configuration hash and phase (old records: final)."""
    return r["experiment"], r["seed"], r["config_hash"], r.get("phase", "final")


def pending_jobs(plan: dict, out, only=None, choices=None) -> list[dict]:
    """Jobs of ``plan`` not yet in ``out`` (same experiment, seed, configuration hash and phase).
    For a plan with ``tune``: the tuning runs first; the final runs once every tuning run of
    their experiment is in ``out``. ``choices`` (:func:`~fpnlab.ablation.choose` of another
    results file): the final runs with those values, no tuning runs. ``only``: the final runs
    named ``"EXP"`` or ``"EXP:SEED"``."""
    records = read_results(out)
    done = {_key(r) for r in records}
    todo = jobs(plan, choices if choices is not None else choose(plan, records))
    if choices is not None or only:
        todo = [j for j in todo if j["phase"] == "final"]
    if only:
        wanted = parse_only(only, plan)
        todo = [j for j in todo if any(j["experiment"] == e and s in (None, j["seed"]) for e, s in wanted)]
    return [j for j in todo if _key(j) not in done]


def command_line(plan, out, device: str = "cpu", backend: str = "local") -> str | None:
    """The command that reproduces a results file (``None`` for a plan given as a dict). The
    number of workers is not part of it (it changes no number but a record's own latency, and
    each record carries it as ``workers``)."""
    if isinstance(plan, Mapping):
        return None
    extra = (f" --device {device}" if device != "cpu" else "") + (f" --backend {backend}" if backend != "local" else "")
    return f"python -m fpnlab.ablation run {plan} --out {out}{extra}"


def check_plan(plan) -> None:
    """Build every experiment's detector once (untrained, on the CPU) so that an option the runner
    would refuse or a typo in a backbone, neck or data option stops the plan before any training,
    with the :class:`PlanError` that names it. ``plan``: a path, a plan dict or a loaded plan."""
    plan = _loaded(plan)
    for e in plan["experiments"]:
        make_detector(e["config"], 2)
        if e["config"]["data"]["kind"] in ("context_shapes", "shapes"):
            from ..data import ContextShapes, Shapes

            cls = ContextShapes if e["config"]["data"]["kind"] == "context_shapes" else Shapes
            _check_options(cls, e["config"]["data"].get("options") or {}, "data.options", cls.__name__,
                           skip=("n", "size", "seed"))


def run(plan, out, device: str = "cpu", workers: int = 1, backend: str = "local", address: str | None = None,
        progress: bool = True, only=None, choices: dict | None = None) -> list[dict]:
    """Run every (experiment, seed) of ``plan`` not already in ``out``; append each record when
    its job finishes; return the new records. A plan with ``tune`` runs its tuning runs first,
    then the final runs with each experiment's chosen value.

    ``only`` (``["no_p2:0", "baseline"]``): just those final runs. ``choices``: the tuned values
    to use instead of tuning here (``choose(plan, read_results(committed))``) — how a chapter
    retrains a few committed records of a tuned plan without its tuning runs.

    ``backend="local"``: in this process (``workers=1``) or a pool of ``workers`` processes.
    ``backend="ray"``: each job is a Ray task (``ray.init(address=address)``; one GPU each with
    ``device="cuda"``), so the same plan runs on a multi-GPU machine or a cluster.

    Every record says how it was made: the command, the configuration and its hash, the git
    commit of the code (and whether the checkout had uncommitted changes), a UTC timestamp, the
    versions of Python, numpy, torch, torchvision, pycocotools, scipy and fpnlab, the device and
    CPU model, threads per run and the number of workers running side by side.

    Two runs on the same ``out`` at once (two notebooks built side by side): the second waits for
    the first to finish, then runs only what is still missing — usually nothing.
    """
    workers = check_int("workers", workers, where="run")
    backend = check_choice("backend", backend, BACKENDS, where="run")
    _check_device(device, "run")
    command = command_line(plan, out, device, backend)
    plan = load_plan(plan)
    check_plan(plan)
    provenance = {"command": command, **git_state(), "workers": workers, "backend": backend}
    with _exclusive(out):  # a second run on the same file waits, then finds the jobs done
        new = []
        while True:  # tuning runs, then the final runs they decide (a plan without tune: one pass)
            todo = pending_jobs(plan, out, only, choices)
            if not todo:
                return new
            new += _run(plan, out, todo, provenance, device, workers, backend, address, progress)


def _loaded(plan) -> dict:
    """``plan`` as :func:`load_plan` returns it (a plan already loaded is returned as it is)."""
    if isinstance(plan, Mapping) and all(isinstance(e, Mapping) and "config" in e for e in plan.get("experiments", [None])):
        return plan
    return load_plan(plan)


def parse_only(items, plan: dict) -> list[tuple[str, int | None]]:
    """``["no_p2:2", "baseline"]`` → ``[("no_p2", 2), ("baseline", None)]``, checked against the plan."""
    names = [e["name"] for e in plan["experiments"]]
    out = []
    for item in items:
        name, _, seed = str(item).partition(":")
        if name not in names:
            raise PlanError(_t("only", item=item, what=_t("experiment"), plan=plan["name"], names=", ".join(names),
                               seeds=plan["seeds"]))
        if seed and (not seed.lstrip("-").isdigit() or int(seed) not in plan["seeds"]):
            raise PlanError(_t("only", item=item, what=_t("seed"), plan=plan["name"], names=", ".join(names),
                               seeds=plan["seeds"]))
        out.append((name, int(seed) if seed else None))
    return out


def rerun(plan, out, only, device: str = "cpu", workers: int = 1) -> list[dict]:
    """Train again the final runs of ``plan`` named by ``only`` (``"EXP"`` or ``"EXP:SEED"``) and
    compare each with its record in ``out`` (nothing is written to ``out``). Returns one dict per
    run: ``experiment``, ``seed``, ``equal`` (every AP metric within 1e-9, parameters and FLOPs
    equal, training loss within 1e-6 relative — latency aside), ``differs`` (the fields that are
    not), ``record`` (the new one) and ``message`` in the reader's language."""
    workers = check_int("workers", workers, where="rerun")
    _check_device(device, "rerun")
    plan = _loaded(plan)
    wanted = parse_only(only, plan)
    records = read_results(out)
    committed = {_key(r): r for r in records}
    todo = []
    for j in jobs(plan, choose(plan, records)):
        if j["phase"] == "final" and any(j["experiment"] == e and s in (None, j["seed"]) for e, s in wanted):
            if _key(j) not in committed:
                raise PlanError(_t("only_missing", item=f"{j['experiment']}:{j['seed']}", out=out))
            todo.append(j)
    if workers <= 1:
        fresh = [run_job(j, device) for j in todo]
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
            fresh = list(pool.map(run_job, todo, [device] * len(todo)))
    results = []
    for j, rec in zip(todo, fresh):
        differs = differences(rec, committed[_key(j)])
        msg = (_t("same", exp=j["experiment"], seed=j["seed"]) if not differs
               else _t("differs", exp=j["experiment"], seed=j["seed"], fields=", ".join(differs)))
        results.append({"experiment": j["experiment"], "seed": j["seed"], "equal": not differs, "differs": differs,
                        "record": rec, "message": msg})
    return results


@contextmanager
def _exclusive(out):
    """Hold an exclusive lock on ``<out>.lock`` (POSIX ``flock``; no lock where it is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows: one runner per results file is the user's job
        yield
        return
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        raise WorkerCallError(_t("worker"))
    lock = Path(str(out) + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _run(plan, out, todo, provenance, device, workers, backend, address, progress) -> list[dict]:
    from tqdm.auto import tqdm

    new = []
    bar = tqdm(total=len(todo), desc=f"ablation {plan['name']}", disable=not progress, unit="run")

    def done(rec):
        rec.update(provenance)
        append_record(out, rec)
        new.append(rec)
        bar.set_postfix_str(f"{rec['experiment']}/{rec['seed']} AP {rec['AP']:.3f}")
        bar.update(1)

    if not todo:
        bar.close()
        return new
    if backend == "local":
        if workers <= 1:
            for job in todo:
                done(run_job(job, device))
        else:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor, as_completed

            with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
                for fut in as_completed([pool.submit(run_job, job, device) for job in todo]):
                    done(fut.result())
    elif backend == "ray":
        try:
            import ray
        except ImportError as err:
            raise ImportError(_t("ray")) from err
        started = not ray.is_initialized()
        if started:
            kw = {"address": address} if address else {"num_cpus": max(1, workers), "include_dashboard": False}
            ray.init(ignore_reinit_error=True, log_to_driver=False, **kw)
        try:
            task = ray.remote(num_cpus=1, num_gpus=1 if device.startswith("cuda") else 0)(run_job)
            pending = [task.remote(job, device) for job in todo]
            while pending:
                ready, pending = ray.wait(pending, num_returns=1)
                done(ray.get(ready[0]))
        finally:
            if started:
                ray.shutdown()
    bar.close()
    return new
