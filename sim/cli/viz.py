"""``migsim viz``: the classroom app, one app server or several behind one address."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from migsim.cli.common import HelpWithDefaults, UsageError
from migsim.scenario import SCENARIO_DIR, find, load


def add_to(sub) -> None:
    viz = sub.add_parser(
        "viz",
        help="start the classroom app in the browser: map, charts, play/step, policy levers that act from the next day",
        description="Start the classroom app on this machine and print its address. Open it in a browser; "
        "Ctrl-C stops it. Every browser page has its own simulation. The scenario picker lists the shipped "
        "scenarios (and SCENARIO if given); the levers change policy from the next day of the run. "
        "One server simulates on one core: for a class, give --servers as many as the machine has cores "
        "(docs/classroom.md has the measured figures).",
        formatter_class=HelpWithDefaults,
    )
    viz.add_argument(
        "scenario",
        nargs="?",
        default=None,
        metavar="SCENARIO",
        help="scenario to start with: a file, or a shipped scenario's name (default: baseline)",
    )
    viz.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (0.0.0.0 to let other machines in the classroom connect)"
    )
    viz.add_argument("--port", type=int, default=8765, help="port of the address the class opens")
    viz.add_argument(
        "--servers",
        type=int,
        default=1,
        help="app servers (one process and one core each), on the ports after --port; the address "
        "sends each new page to the next one",
    )
    viz.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    import subprocess

    env = dict(os.environ)
    if args.scenario is not None:
        path = find(args.scenario).resolve()
        load(path)  # a bad file stops here, with the usual one-line error
        env["MIGSIM_SCENARIO"] = path.name if path.parent == SCENARIO_DIR else str(path)
    solara = Path(sys.executable).parent / "solara"
    if not solara.exists():
        raise UsageError("the viz command needs solara (installed with mesa[rec]); reinstall migsim")
    from migsim.viz import assets

    missing = assets.ensure(quiet=True)  # the browser side, from npm, for classrooms without internet
    if missing:
        print(f"migsim: note: {', '.join(missing)} not cached; the page needs the internet to fetch them", file=sys.stderr)
    from migsim.viz import front

    if not 1 <= args.servers <= 64:
        raise UsageError(f"--servers {args.servers}: expected a whole number from 1 to 64")
    ports = [args.port] if args.servers == 1 else [args.port + 1 + i for i in range(args.servers)]
    taken = [p for p in {args.port, *ports} if p > 65535 or not front.port_is_free(args.host, p)]
    if taken:
        raise UsageError(
            f"--port {args.port}: port {', '.join(map(str, sorted(taken)))} is in use or not available "
            f"on {args.host}; pick another --port"
        )
    app = Path(__file__).parents[1] / "viz" / "app.py"

    def solara_on(port: int) -> list[str]:
        return [str(solara), "run", str(app), "--host", args.host, "--port", str(port), "--no-open", "--production"]

    shown = f"[{args.host}]" if ":" in args.host else args.host  # an IPv6 address, as a browser writes it
    print(f"migsim classroom app: open http://{shown}:{args.port}/ in a browser (Ctrl-C stops it)", flush=True)
    if args.servers == 1:
        try:
            return subprocess.call(solara_on(args.port), env=env)
        except KeyboardInterrupt:
            return 0
    servers: dict[int, subprocess.Popen] = {}
    try:
        door = front.FrontDoor(args.host, args.port, ports, alive=lambda port: servers[port].poll() is None)
    except OSError as exc:
        raise UsageError(f"--port {args.port}: cannot listen on {args.host}: {exc.strerror or exc}") from None
    try:
        for port in ports:
            servers[port] = subprocess.Popen(solara_on(port), env=env, stdout=subprocess.DEVNULL)
        silent = front.wait_until_answering(args.host, ports, seconds=120)
        if silent:
            raise UsageError(f"the app servers on port(s) {', '.join(map(str, silent))} did not start within 120 s")
        print(
            f"  {args.servers} servers on ports {ports[0]}-{ports[-1]}; each new page goes to the next one "
            f"(those ports must be reachable too)",
            flush=True,
        )
        door.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        door.server_close()
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0
