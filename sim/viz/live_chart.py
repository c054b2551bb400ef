"""A Vega-Lite chart for Solara that is drawn once and then fed new data.

Solara's own VegaLite widget sends and redraws the whole specification at every
change. Here the specification (structure and fixed layers) is sent when it
changes, which is rarely, and each picture sends only the named datasets, so a
picture costs the server a few kilobytes and the browser a data update, not a
new chart.
"""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v
import traitlets


class LiveChart(v.VuetifyTemplate):
    template_file = str(Path(__file__).with_name("live_chart.vue"))
    spec = traitlets.Dict().tag(sync=True)
    datasets = traitlets.Dict().tag(sync=True)
    cdn = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    @traitlets.default("cdn")
    def _cdn(self):
        import solara.settings

        if not solara.settings.assets.proxy:
            return solara.settings.assets.cdn
        return None
