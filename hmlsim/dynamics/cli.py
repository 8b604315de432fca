"""``hmlsim fixed-points``: stable points, basins and a learning path of a measured Φ.

Example::

    hmlsim fixed-points --points 0.717:0.894,0.920:0.926 --json
    hmlsim fixed-points --points 0.717:0.894,0.920:0.926 --tilt 0.98 --plot phi --out results

Bad input raises :class:`~hmlsim.errors.ConfigError` naming the option; the
``hmlsim`` dispatcher prints it as one line and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

from hmlsim.dynamics.limits import MAX_PERIOD, MIN_EPSILON
from hmlsim.errors import ConfigError, check_path, check_writable_folder

DEFAULT_EPSILON = 0.01
#: where ``--plot`` writes unless ``--out`` names another folder
DEFAULT_OUT = Path("results") / "fixed-points"


def _number(text: str, option: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ConfigError(option, f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise ConfigError(option, f"must be a finite number, got {text!r}")
    return value


def _positive(text: str, option: str) -> float:
    value = _number(text, option)
    if value <= 0:
        raise ConfigError(option, f"must be > 0, got {text}")
    return value


def _period(text: str) -> int:
    try:
        period = int(text)
    except (TypeError, ValueError):
        raise ConfigError("--max-period", f"must be an integer, got {text!r}") from None
    if not 1 <= period <= MAX_PERIOD:
        raise ConfigError(
            "--max-period",
            f"must lie in [1, {MAX_PERIOD}] (longer searches take hours), got {text}",
        )
    return period


def _plot_target(text: str, out: str) -> Path:
    """The figure's path under ``out``, checked before any work: a file name in a writable folder.

    An absolute ``text`` is used as given. An existing target must be a regular
    file (``/dev/null`` is not: the figure would be written beside it, into ``/dev``).
    """
    check_path("--plot", text, must_exist=False)
    path = Path(out) / text
    if text.endswith(("/", os.sep)) or Path(text).name in ("", ".", "..") or path.is_dir():
        raise ConfigError("--plot", f"expected a file name such as phi or phi.png, got {text!r}")
    stem = path.with_suffix("") if path.suffix.lower() in {".png", ".svg", ""} else path
    for target in (path, stem.with_suffix(".png"), stem.with_suffix(".svg")):
        if target.exists() and not target.is_file():
            raise ConfigError("--plot", f"{target} exists and is not a regular file")
    if path.parent.resolve() == Path("/dev"):
        raise ConfigError("--plot", f"expected a file name in a folder of files, got {text!r}")
    check_writable_folder("--out" if path.parent == Path(out) else "--plot", path.parent)
    return path


def _table(report_dict: dict[str, Any]) -> str:
    s = report_dict["settings"]
    lines = [
        f"Φ: {s['phi']}",
        f"learner: {s['learner']}"
        + (f" (λ = {s['tilt']:g})" if s["learner"] == "tilted" else "")
        + f", ε = {s['epsilon']:g}",
        "",
        "stable points",
        f"  {'u':>8}  {'Φ(u)':>8}  {'kind':<12} basin",
    ]
    if not report_dict["stable_points"]:
        lines.append("  (none)")
    for p in report_dict["stable_points"]:
        basin = ", ".join(f"[{a:.3f}, {b:.3f}]" for a, b in p["basin"]) or "-"
        lines.append(f"  {p['u']:8.4f}  {p['phi']:8.4f}  {p['kind']:<12} {basin}")
    if report_dict["cycles"]:
        lines += ["", "cycles"]
        for c in report_dict["cycles"]:
            pts = " -> ".join(f"{u:.4f}" for u in c["points"])
            basin = ", ".join(f"[{a:.3f}, {b:.3f}]" for a, b in c["basin"]) or "-"
            lines.append(f"  period {c['period']} {c['kind']}: {pts}   basin {basin}")
    path = report_dict["path"]
    status = "ε-stable" if report_dict["path_converged"] else "not converged"
    if report_dict.get("path_cycle_period"):
        status = f"enters a {report_dict['path_cycle_period']}-cycle"
    lines += [
        "",
        f"learning path from {s['start']:g} ({report_dict['path_steps']} steps, {status}):",
        "  " + " -> ".join(f"{u:.4f}" for u in path[:40]) + (" ..." if len(path) > 40 else ""),
    ]
    return "\n".join(lines)


def _fixed_points(args: argparse.Namespace, extra: list[str]) -> int:
    from hmlsim.dynamics.analysis import analyse
    from hmlsim.dynamics.characteristic import TabulatedPhi, parse_points
    from hmlsim.dynamics.learners import check_learner_tilt, make_learner

    xs, ys = parse_points(args.points, "--points")
    tilt = check_learner_tilt("--tilt", _positive(args.tilt, "--tilt"))
    epsilon = _positive(args.epsilon, "--epsilon")
    if not MIN_EPSILON <= epsilon < 1:
        raise ConfigError(
            "--epsilon",
            f"must lie in [{MIN_EPSILON:g}, 1) (finer grids exhaust memory), got {args.epsilon}",
        )
    max_period = _period(args.max_period)
    plot = _plot_target(args.plot, args.out) if args.plot is not None else None
    try:
        phi = TabulatedPhi(xs, ys, extrapolate=args.extrapolate, name="measured")
    except ConfigError as error:
        raise ConfigError("--points", error.message) from None
    start = xs[0] if args.start is None else _number(args.start, "--start")
    if not 0.0 <= start <= 1.0:
        raise ConfigError("--start", f"must be a utility in [0, 1], got {args.start}")
    report = analyse(phi, make_learner(tilt), epsilon=epsilon, start=start, max_period=max_period)
    result = report.as_dict()
    result["settings"].update(
        {"points": [[x, y] for x, y in zip(xs, ys, strict=True)], "tilt": tilt}
    )
    written = []
    if plot is not None:
        from hmlsim.dynamics.plots import plot_dynamics, save_figure

        starts = sorted({*xs, start, 0.25, 0.5})
        fig = plot_dynamics(phi, report.learner, report=report, starts=starts)
        try:
            written = save_figure(fig, plot)
        except OSError as error:
            raise ConfigError("--plot", f"cannot write {args.plot}: {error.strerror}") from None
        result["figures"] = [str(p) for p in written]
    if args.json:
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(_table(result))
        for path in written:
            print(f"wrote {path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``fixed-points`` sub-command.

    Its line of ``hmlsim --help`` is in :data:`hmlsim.cli.COMMANDS`.
    """
    parser = subparsers.add_parser(
        "fixed-points",
        description="Find the stable points of the learning dynamics u -> l(Phi(u)) for a "
        "characteristic function Phi given by measured points (linear interpolation), "
        "classify them, report their basins of attraction on the epsilon-grid and the "
        "learning path from --start.",
    )
    parser.add_argument(
        "--points",
        required=True,
        metavar="U:PHI,...",
        help="measured (model utility : human+ML utility) pairs, utilities in [0, 1], "
        "increasing model utility, e.g. 0.717:0.894,0.920:0.926",
    )
    parser.add_argument(
        "--tilt",
        default="1.0",
        metavar="LAMBDA",
        help="transfer factor λ > 0 of an imperfect learner, u' = min(1, λΦ(u)) "
        "(default 1: perfect learner)",
    )
    parser.add_argument(
        "--epsilon",
        default=str(DEFAULT_EPSILON),
        metavar="EPS",
        help=f"smallest meaningful change of utility, in [{MIN_EPSILON:g}, 1): the path stops "
        f"at a smaller step, the basins use a grid of step ε (default {DEFAULT_EPSILON})",
    )
    parser.add_argument(
        "--start",
        default=None,
        metavar="U0",
        help="first model utility of the learning path, in [0, 1] (default: the lowest "
        "measured model utility)",
    )
    parser.add_argument(
        "--extrapolate",
        default="clip",
        choices=("clip", "linear", "identity"),
        help="Φ outside the measured range: constant at the end values (clip, "
        "default), extended end segments (linear), or Φ(u) = u (identity)",
    )
    parser.add_argument(
        "--max-period",
        default="4",
        metavar="K",
        help=f"longest cycle to search for, 1..{MAX_PERIOD} deployments (default 4)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of the table"
    )
    parser.add_argument(
        "--plot",
        metavar="NAME",
        help="write the figure (Φ and the 45° line, basins, the learning path) as NAME.png "
        "and NAME.svg under --out (an absolute path is used as given)",
    )
    parser.add_argument(
        "--out",
        default=str(DEFAULT_OUT),
        metavar="DIR",
        help="folder of the --plot figure (created; default %(default)s)",
    )
    parser.set_defaults(handler=_fixed_points)
