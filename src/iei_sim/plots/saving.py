"""How every figure is made and saved: the format and resolution a user asked for, one place.

Figures are :class:`matplotlib.figure.Figure` objects made without pyplot, so importing or
drawing never switches the caller's backend (a notebook's ``%matplotlib inline`` keeps working)
and nothing has to be closed; :func:`save_figure` writes one in the chosen format.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text


class FigureFormat(StrEnum):
    """File formats a figure can be written in: a raster for screens, vectors for papers."""

    PNG = "png"
    SVG = "svg"
    PDF = "pdf"


DEFAULT_DPI = 150
# zlib level of PNG files: 3 of 9 encodes opaque RGB figures about twice as fast as the
# default 6 does their RGBA, in files of about the same size.
PNG_COMPRESSION = 3
MIN_DPI, MAX_DPI = 50, 1200


@dataclass(frozen=True)
class FigureOptions:
    """The format and resolution (dots per inch; used by PNG, and by rasters inside vectors)."""

    format: FigureFormat = FigureFormat.PNG
    dpi: int = DEFAULT_DPI

    def __post_init__(self) -> None:
        object.__setattr__(self, "format", FigureFormat(self.format))
        if not MIN_DPI <= self.dpi <= MAX_DPI:
            raise ValueError(f"dpi {self.dpi} outside [{MIN_DPI}, {MAX_DPI}]")

    def name(self, stem: str) -> str:
        """The file name of figure ``stem`` in this format."""
        return f"{stem}.{self.format.value}"


def new_figure(**kwargs) -> Figure:
    """A figure that belongs to no pyplot state (``Figure(**kwargs)``, constrained layout
    unless asked otherwise, so legends and labels are laid out rather than overlapped)."""
    from matplotlib.figure import Figure

    kwargs.setdefault("layout", "constrained")
    return Figure(**kwargs)


def panel_title(ax: Axes, label: str, **kwargs) -> Text:
    """``ax.set_title(label, **kwargs)`` at a fixed height, just above the axes.

    Left to itself, matplotlib places a title above any tick labels on top of the axes, which
    means measuring every tick of every axis sharing it on each draw (and a constrained
    layout draws several times); for axes with their ticks below, as every figure here has,
    the place is the same.
    """
    return ax.set_title(label, y=1.0, **kwargs)


def save_figure(
    fig: Figure,
    folder: str | Path,
    stem: str,
    options: FigureOptions | None = None,
    *,
    title: str | None = None,
    description: str | None = None,
) -> Path:
    """Write ``fig`` as ``folder/stem.<format>`` and return the path.

    ``title`` and ``description`` go into the file's own metadata (PNG text chunks, SVG
    ``<title>``/``<desc>``, PDF Title/Subject), so a figure copied out of its folder still says
    what it shows. Metadata that would change between otherwise identical runs (software
    version, creation date) is left out.
    """
    options = options or FigureOptions()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / options.name(stem)
    metadata: dict[str, str | None] = {
        FigureFormat.PNG: {"Software": None},
        FigureFormat.SVG: {"Date": None, "Creator": None},
        FigureFormat.PDF: {"CreationDate": None, "Producer": None, "Creator": None},
    }[options.format]
    if title:
        metadata["Title"] = title
    if description:
        metadata["Subject" if options.format is FigureFormat.PDF else "Description"] = description
    if options.format is FigureFormat.PNG:
        write_png(fig, path, options.dpi, metadata)
        return path
    import matplotlib

    # SVG element ids are salted with a random value unless a salt is set: a fixed one keeps
    # the same figure byte-identical from run to run, as PNG and PDF are.
    with matplotlib.rc_context({"svg.hashsalt": "iei-sim"}):
        fig.savefig(path, format=options.format.value, dpi=options.dpi, metadata=metadata)
    return path


def write_png(
    fig: Figure, path: Path | BinaryIO, dpi: int, metadata: dict[str, str | None]
) -> None:
    """The image ``fig.savefig(path, format="png", dpi=dpi)`` writes, drawn once, and as RGB
    when the figure is opaque.

    ``savefig`` first draws a figure that has a layout engine without rendering, only to lay
    it out, and then draws it again; an Agg canvas lays out and renders in one draw. An opaque
    figure's alpha channel says nothing: without it, and at zlib level ``PNG_COMPRESSION``,
    the file is encoded in about half the time and no bigger. The figure's canvas and
    resolution are put back afterwards, as ``savefig`` does.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image, PngImagePlugin

    canvas, figure_dpi = fig.canvas, fig.dpi
    try:
        fig.dpi = dpi
        agg = FigureCanvasAgg(fig)
        agg.draw()
        pixels = agg.buffer_rgba()
        size = agg.get_width_height(physical=True)
    finally:
        fig.set_canvas(canvas)
        fig.dpi = figure_dpi
    image = Image.frombuffer("RGBA", size, pixels, "raw", "RGBA", 0, 1)
    if (np.asarray(pixels)[..., 3] == 255).all():
        image = image.convert("RGB")
    text = PngImagePlugin.PngInfo()
    for key, value in metadata.items():
        if value is not None:
            text.add_text(key, value)
    image.save(path, format="png", pnginfo=text, dpi=(dpi, dpi), compress_level=PNG_COMPRESSION)
