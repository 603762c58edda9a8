"""The dashboard without a browser: levers, the model Reset builds, charts and the command.

The page itself is driven in Chromium by ``test_dashboard_browser.py``; these checks are cheap
and run everywhere.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import pytest
from tests.helpers import scenario_text
from tests.sizes import DASHBOARD
from typer.testing import CliRunner, Result

from iei_sim.cli import app
from iei_sim.cli import dashboard as command
from iei_sim.cli.dashboard import server_command, server_environment
from iei_sim.dashboard import SCENARIO_ENV, default_scenario
from iei_sim.dashboard.assets import required_packages
from iei_sim.dashboard.levers import (
    LEVERS,
    field_info,
    model_params,
    overrides_for,
    parse_overrides,
    value_at,
)
from iei_sim.dashboard.model import DashboardModel, build_model, lever_defaults
from iei_sim.outcomes import OUTCOMES
from iei_sim.scenario import load_scenario
from iei_sim.scenario.constraints import bounds_of

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"
WriteFile = Callable[[str, str], Path]


@pytest.fixture(scope="module")
def small():
    return load_scenario(SMALL)


@pytest.fixture
def tiny_dashboard(write: WriteFile) -> Path:
    """A scenario small enough to step in a blink, with a 3-year horizon (DASHBOARD size)."""
    return write("tiny.yaml", scenario_text(SMALL, "tiny", DASHBOARD))


def test_every_lever_is_a_schema_field_with_its_bounds(small) -> None:
    params = model_params(small, str(SMALL))
    assert params["scenario_path"] == str(SMALL)
    for lever in LEVERS:
        info = field_info(lever.path)  # KeyError if a path names no field
        widget = params[lever.name]
        assert widget["value"] == value_at(small, lever.path)
        if widget["type"] in ("SliderFloat", "SliderInt"):
            bounds = bounds_of(info.metadata)
            assert bounds.lo is None or widget["min"] >= bounds.lo
            assert bounds.hi is None or widget["max"] <= bounds.hi
            assert widget["min"] <= widget["value"] <= widget["max"]
    assert params["tax_deduction_rate"] | {"min": 0.0, "max": 1.0} == params["tax_deduction_rate"]
    assert params["risk_rule"]["values"] == ["bearer_pays", "shared"]
    assert params["platform"]["type"] == "Checkbox"


def test_mesa_sees_the_explicit_parameters(small) -> None:
    """Reset calls the class with the page's values and nothing else (no Mesa ``scenario``)."""
    from mesa.visualization.solara_viz import _build_model_init_kwargs, _check_model_params

    model = DashboardModel(scenario_path=SMALL)
    params = model_params(small, str(SMALL))
    _check_model_params(model, params)  # raises on a name the constructor does not take
    values = {"scenario_path": str(SMALL), **lever_defaults(small)}
    kwargs = _build_model_init_kwargs(
        model, values, add_scenario_when_empty=True, require_model_accepts_scenario=True
    )
    assert kwargs == values
    assert "scenario" not in inspect.signature(DashboardModel.__init__).parameters
    with pytest.raises(TypeError, match="tax_rate"):
        DashboardModel(scenario_path=SMALL, tax_rate=0.3)


def test_levers_reach_the_scenario(small) -> None:
    model = build_model(
        SMALL,
        **lever_defaults(small)
        | {"tax_deduction": True, "tax_deduction_rate": 0.30000000000000004, "seed": "7"},
    )
    assert model.problems == []
    assert model.running
    assert model.config.policy.tax_deduction.enabled is True
    assert model.config.policy.tax_deduction.rate == 0.3  # slider noise rounded to the step
    assert model.seed == 7
    assert set(model.changed_fields()) == {"policy.tax_deduction.enabled", "seed"}


def test_free_overrides_and_their_problems() -> None:
    values, problems = parse_overrides("partnerships.search_cost=0.1; firms.rnd_value=[1, 4, 12]")
    assert values == {"partnerships.search_cost": 0.1, "firms.rnd_value": [1, 4, 12]}
    assert problems == []
    values, problems = parse_overrides("no equals sign; =3; a..b=1; x=[1, 2")
    assert values == {}
    assert len(problems) == 4
    overrides, problems = overrides_for({"overrides": "", "seed": "  ", "platform": None})
    assert overrides == {} and problems == []


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"firm_share": 0.5}, "must sum to 1"),
        ({"seed": "not-a-seed"}, "seed: Input should be a valid integer"),
        ({"overrides": "policy.tax_deduction.rate=1.5"}, "less than or equal to 1"),
        ({"overrides": "policy.tax_deduction.rat=0.5"}, "did you mean 'rate'"),
        ({"overrides": "nonsense"}, "expected dotted.path=value"),
    ],
)
def test_bad_values_are_refused_not_raised(tiny_dashboard: Path, values, expected: str) -> None:
    model = build_model(tiny_dashboard, **values)
    assert model.problems, "bad values were accepted"
    assert any(expected in str(p) for p in model.problems), [str(p) for p in model.problems]
    assert not model.running
    assert model.config == model.base  # the file's own scenario is shown meanwhile
    model.step()
    assert model.steps == 0 and model.time == 0  # refused values are never simulated


def test_stepping_stops_with_the_scenario(tiny_dashboard: Path) -> None:
    model = build_model(tiny_dashboard)
    for _ in range(5):
        model.step()
    assert model.steps == 3 and not model.running
    assert len(model.records) == 3  # one row of outcomes per simulated year


def test_charts_are_drawn_from_the_live_model(tiny_dashboard: Path) -> None:
    from iei_sim.dashboard.charts import CHARTS, chart_png
    from iei_sim.dashboard.components import live_series, network_png

    model = build_model(tiny_dashboard)
    assert live_series(model) is None and network_png(model) is None  # nothing simulated yet
    assert all(chart_png(name, None) is None for name in CHARTS)
    model.step()
    first = {name: chart_png(name, live_series(model)) for name in CHARTS}
    first["network"] = network_png(model)
    assert all(png and png.startswith(b"\x89PNG") for png in first.values())
    model.step()
    assert chart_png("participation", live_series(model)) != first["participation"]


def _lines_of(fig) -> list:
    return [line for ax in fig.axes for line in ax.get_lines() if len(line.get_xdata())]


def test_a_kept_run_is_drawn_in_grey_behind_the_live_one(tiny_dashboard: Path) -> None:
    from iei_sim.dashboard.charts import REFERENCE_COLOUR, chart_figure
    from iei_sim.dashboard.components import kept_run, live_series

    model = build_model(tiny_dashboard)
    for _ in range(3):
        model.step()
    reference = kept_run(model)
    assert reference.label == "kept run: the scenario file's levers"
    rebuilt = build_model(tiny_dashboard, tax_deduction=True, certified_only=False)
    rebuilt.step()
    live = live_series(rebuilt)
    alone = _lines_of(chart_figure("participation", live))
    both = _lines_of(chart_figure("participation", live, reference))
    grey = [line for line in both if line.get_color() == REFERENCE_COLOUR]
    assert len(both) == len(alone) + len(grey) and len(grey) == len(alone)
    assert all(line.get_zorder() < min(o.get_zorder() for o in alone) for line in grey)
    assert {len(line.get_xdata()) for line in grey} == {3}  # the whole kept run, not 1 year
    kept = kept_run(rebuilt)
    assert kept.label.startswith("kept run: Tax deduction in force: on")
    assert kept.settings == (
        "Tax deduction in force: on",
        "Deduction for certified firms only: off",
    )


def test_an_all_zero_fiscal_cost_has_a_plain_axis(tiny_dashboard: Path) -> None:
    from iei_sim.dashboard.charts import chart_figure
    from iei_sim.dashboard.components import live_series

    idle = build_model(tiny_dashboard)  # no instrument in force: nothing is spent
    idle.step()
    assert idle.records[-1]["fiscal_cost"] == 0
    (ax,) = chart_figure("fiscal_cost", live_series(idle)).axes
    assert ax.get_ylim() == (0.0, 1.0)
    paying = build_model(tiny_dashboard, tax_deduction=True, certified_only=False)
    while paying.running:
        paying.step()
    (ax,) = chart_figure("fiscal_cost", live_series(paying)).axes
    spent = sum(record["fiscal_cost"] for record in paying.records)
    assert spent > 0 and ax.get_ylim()[1] >= spent


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("tax_deduction_rate", 0.4, "0.40 = 40%"),
        ("intern_subsidy", 0.5, "0.5 (10k CNY)"),
        ("tax_deduction", True, "on"),
        ("risk_rule", "bearer_pays", "bearer pays"),
        ("years", 10, "10 years"),
    ],
)
def test_lever_readouts_say_value_and_unit(name: str, value, shown: str) -> None:
    from iei_sim.dashboard.levers import LEVER_BY_NAME, readout

    assert readout(LEVER_BY_NAME[name], value) == shown


def test_every_lever_is_in_one_control_section() -> None:
    from iei_sim.dashboard.levers import LEVER_GROUPS, group_summary

    grouped = [name for _, names in LEVER_GROUPS for name in names]
    assert sorted(grouped) == sorted(lever.name for lever in LEVERS)
    summary = group_summary(
        ("tax_deduction", "tax_deduction_rate"), {"tax_deduction": False, "tax_deduction_rate": 0.3}
    )
    assert summary == "Tax deduction in force: off · Tax deduction rate: 30%"


def test_status_counts_outcomes_only_once_they_mean_something(tiny_dashboard: Path) -> None:
    from iei_sim.dashboard.components import headline_sentence, next_step_hint

    model = build_model(tiny_dashboard, intern_subsidy=1.0)
    assert "Press Step" in next_step_hint(model, 0, False)
    model.step()
    sentence = headline_sentence(model)
    first = OUTCOMES["student_coverage"].first_meaningful_year(model.config)
    assert first > 1 and f"Student coverage from year {first}" in sentence
    spent = sum(r["fiscal_cost"] for r in model.records)
    assert f"fiscal cost so far {OUTCOMES['fiscal_cost'].format(spent)}" in sentence
    while model.running:
        model.step()
    assert "Keep as reference" in next_step_hint(model, model.steps, False)


def test_page_builds_and_lists_problems_of_a_bad_file(write: WriteFile) -> None:
    from iei_sim.dashboard.page import Dashboard, ScenarioProblems, make_page

    assert make_page(SMALL).component.f is Dashboard.f
    bad = write("bad.yaml", "steps: 0\n")
    element = make_page(bad)
    assert element.component.f is ScenarioProblems.f
    assert "steps" in " ".join(element.kwargs["problems"])


def test_command_refuses_a_bad_scenario(write: WriteFile) -> None:
    bad = write("bad.yaml", "policy: {tax_deduction: {rate: 1.5}}\n")
    result = CliRunner().invoke(app, ["dashboard", str(bad), "--port", "0"])
    assert result.exit_code == 2
    assert "error:" in result.output and "policy.tax_deduction.rate" in result.output


def test_command_line_of_the_server(tmp_path: Path) -> None:
    line = server_command("0.0.0.0", 8765, ["sim.example.org"], open_browser=False)
    assert line[1:3] == ["-m", "iei_sim.dashboard.server"]
    assert line[3:] == ["--host", "0.0.0.0", "--port", "8765", "--allowed-host", "sim.example.org"]
    assert server_command("::1", 0, [], open_browser=True)[-1] == "--open-browser"
    env = server_environment(SMALL)
    assert env[SCENARIO_ENV] == str(SMALL.resolve())
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert default_scenario().name == "small.yaml"


class ServerStart:
    """Stands in for the server's child process: records its command line, exits at once."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def __call__(self, args: list[str], env: dict[str, str]) -> ServerStart:
        self.commands.append(args)
        return self

    def wait(self, timeout: float | None = None) -> int:
        return 0

    def options(self) -> dict[str, list[str]]:
        """``--option value`` pairs of the one command line started."""
        (args,) = self.commands
        found: dict[str, list[str]] = {}
        for option, value in pairwise(args):
            if option.startswith("--") and not value.startswith("--"):
                found.setdefault(option, []).append(value)
        return found


@pytest.fixture
def server_start(monkeypatch: pytest.MonkeyPatch) -> ServerStart:
    start = ServerStart()
    monkeypatch.setattr(command.subprocess, "Popen", start)
    return start


def run_dashboard(*args: str) -> Result:
    return CliRunner().invoke(app, ["dashboard", str(SMALL), "--port", "8765", *args])


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org"])
def test_a_host_other_machines_reach_is_refused(server_start: ServerStart, host: str) -> None:
    result = run_dashboard("--host", host)
    assert result.exit_code == 2
    (line,) = result.output.splitlines()  # one line
    assert line.startswith("error: --host") and "--allow-remote" in line
    assert server_start.commands == []  # nothing was served


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts_are_served_without_warning(server_start: ServerStart, host: str) -> None:
    result = run_dashboard("--host", host)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert server_start.options()["--host"] == [host.strip("[]")]
    assert "--allowed-host" not in server_start.options()  # loopback names only


def test_allow_remote_warns_then_serves(server_start: ServerStart) -> None:
    result = run_dashboard("--host", "0.0.0.0", "--allow-remote", "--allowed-host", "Sim.Lab")
    assert result.exit_code == 0, result.output
    warning = " ".join(line for line in result.output.splitlines() if line.startswith("warning:"))
    for words in ("no authentication", "CPU and memory", "SSH tunnel", "sim.lab"):
        assert words in warning
    options = server_start.options()
    assert options["--host"] == ["0.0.0.0"]
    assert options["--allowed-host"] == ["sim.lab"]  # a wildcard is no name to check against
    assert "at http://127.0.0.1:8765/" in result.output  # 0.0.0.0 includes the loopback address


def test_allow_remote_accepts_the_bound_host_name(server_start: ServerStart) -> None:
    result = run_dashboard("--host", "10.1.2.3", "--allow-remote")
    assert result.exit_code == 0, result.output
    assert server_start.options()["--allowed-host"] == ["10.1.2.3"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--allowed-host", "sim.lab"], "add --allow-remote"),
        (["--allow-remote", "--allowed-host", "http://sim.lab:80"], "no scheme, port or path"),
        (["--host", "127.0.0.1:8765"], "--host '127.0.0.1:8765'"),
    ],
)
def test_bad_host_options_are_refused(
    server_start: ServerStart, args: list[str], expected: str
) -> None:
    result = run_dashboard(*args)
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert expected in line
    assert server_start.commands == []


def test_page_assets_are_named_by_the_installed_solara() -> None:
    packages = required_packages()
    assert any(p.startswith("requirejs@") for p in packages)
    assert sum("solara-vuetify" in p for p in packages) == 1  # the front end in use only


def test_a_port_in_use_is_refused_before_any_address_is_printed() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["dashboard", str(SMALL), "--port", str(port)])
    assert result.exit_code == 2
    assert f"port {port} on 127.0.0.1 is in use" in result.output
    assert "http://" not in result.output


def test_every_legend_stays_inside_its_chart(tiny_dashboard: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from iei_sim.dashboard.charts import CHARTS, chart_figure
    from iei_sim.dashboard.components import kept_run, live_series

    model = build_model(tiny_dashboard, tax_deduction=True)
    model.step()
    reference = kept_run(model)
    for name in CHARTS:
        fig = chart_figure(name, live_series(model), reference)
        renderer = FigureCanvasAgg(fig).get_renderer()
        fig.draw(renderer)
        (legend,) = fig.legends
        box, page = legend.get_window_extent(renderer), fig.bbox
        assert box.x0 >= page.x0 and box.x1 <= page.x1 and box.y0 >= page.y0, name


def test_the_live_network_speaks_of_the_current_year(tiny_dashboard: Path) -> None:
    from iei_sim.dashboard.components import network_png
    from iei_sim.plots import partnership_network_figure
    from iei_sim.run import collect_result

    model = build_model(tiny_dashboard)
    model.step()
    model.step()
    assert network_png(model) is not None
    tables = collect_result(model, model.config, model.seed)
    fig = partnership_network_figure(
        tables.partnerships, tables.schools, tables.firms, step=2, tables_as_of="year 2"
    )
    notes = " ".join(text.get_text() for ax in fig.axes for text in ax.texts)
    assert "year 2" in notes and "end of run" not in notes and "end of the run" not in notes
