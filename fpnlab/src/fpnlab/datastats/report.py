"""Tables and histograms of a data set's statistics, labelled in the reader's language."""
from __future__ import annotations

import numpy as np

from ..arguments import check_int
from ..coco.sizes import BUCKETS
from ..i18n import Strings, _lang, fmt_num
from .stats import STAT_KEYS, DatasetStats

_t = Strings({
    "statistic": {"en": "Statistic", "tr": "İstatistik"},
    "value": {"en": "Value", "tr": "Değer"},
    "count": {"en": "Count", "tr": "Sayı"},
    "share": {"en": "Share", "tr": "Pay"},
    "bucket": {"en": "Size", "tr": "Boyut"},
    "class": {"en": "Class", "tr": "Sınıf"},
    "n_images": {"en": "images", "tr": "görüntü"},
    "n_objects": {"en": "objects (not crowd)", "tr": "nesne (crowd hariç)"},
    "n_crowd": {"en": "crowd annotations", "tr": "crowd annotation"},
    "n_classes": {"en": "classes", "tr": "sınıf"},
    "small": {"en": "small", "tr": "küçük"},
    "medium": {"en": "medium", "tr": "orta"},
    "large": {"en": "large", "tr": "büyük"},
    "min": {"en": "min", "tr": "min"},
    "p10": {"en": "p10", "tr": "p10"},
    "median": {"en": "median", "tr": "medyan"},
    "p90": {"en": "p90", "tr": "p90"},
    "max": {"en": "max", "tr": "maks"},
    "relative_area": {"en": "relative box area", "tr": "göreli kutu alanı"},
    "aspect_ratio": {"en": "aspect ratio (w/h)", "tr": "aspect ratio (w/h)"},
    "width": {"en": "image width (px)", "tr": "görüntü genişliği (px)"},
    "height": {"en": "image height (px)", "tr": "görüntü yüksekliği (px)"},
    "overlap": {"en": "overlap (max IoU)", "tr": "örtüşme (en büyük IoU)"},
    "brightness": {"en": "brightness (0–255)", "tr": "parlaklık (0–255)"},
    "contrast": {"en": "contrast (grey std)", "tr": "kontrast (gri std)"},
    "blur": {"en": "blur (var. of Laplacian)", "tr": "blur (Laplacian varyansı)"},
    "objects": {"en": "objects", "tr": "nesne"},
    "images": {"en": "images", "tr": "görüntü"},
    "sizes_title": {"en": "small / medium / large (COCO)", "tr": "küçük / orta / büyük (COCO)"},
    "classes_title": {"en": "class frequency", "tr": "sınıf sıklığı"},
    "resolution_title": {"en": "image resolution", "tr": "görüntü çözünürlüğü"},
    "skipped": {"en": "no images:\nskipped", "tr": "görüntü yok:\natlandı"},
})


def report(stats: DatasetStats, lang: str | None = None) -> dict:
    """Tables of ``stats`` as pandas DataFrames with headers in ``lang`` (numbers stay numbers:
    show them with ``fpnlab.i18n.fmt_frame``):

    ``"summary"`` (statistic, value: images, objects, crowd, classes), ``"sizes"`` (COCO bucket,
    count, share of the non-crowd objects), ``"classes"`` (class, count, share, file order) and
    ``"distributions"`` (one row per histogram statistic: min, p10, median, p90, max)."""
    import pandas as pd

    lang = _lang(lang)
    n = max(stats.n_objects, 1)
    summary = pd.DataFrame({
        _t("statistic", lang): [_t(k, lang) for k in ("n_images", "n_objects", "n_crowd", "n_classes")],
        _t("value", lang): [stats.n_images, stats.n_objects, stats.n_crowd, len(stats.class_counts)]})
    sizes = pd.DataFrame({
        _t("bucket", lang): [_t(b, lang) for b in BUCKETS],
        _t("count", lang): [stats.size_counts[b] for b in BUCKETS],
        _t("share", lang): [stats.size_counts[b] / n for b in BUCKETS]})
    classes = pd.DataFrame({
        _t("class", lang): list(stats.class_counts),
        _t("count", lang): list(stats.class_counts.values()),
        _t("share", lang): [c / n for c in stats.class_counts.values()]})
    rows = []
    for name in STAT_KEYS:
        v = stats.values(name)
        if v is None or v.size == 0:
            continue
        rows.append([_t(name, lang), *np.percentile(v, [0, 10, 50, 90, 100]).tolist()])
    dist = pd.DataFrame(rows, columns=[_t(k, lang) for k in ("statistic", "min", "p10", "median", "p90", "max")])
    return {"summary": summary, "sizes": sizes, "classes": classes, "distributions": dist}


def plot(stats: DatasetStats, lang: str | None = None, bins: int = 20):
    """A 3×3 matplotlib figure of the eight statistics: relative area and aspect ratio (log x),
    small/medium/large bars, image resolution (width against height, one dot per image), brightness, contrast, blur
    (a "skipped" panel without images), class frequency bars and overlap. Returns the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import ScalarFormatter

    bins = check_int("bins", bins, where="plot")
    lang = _lang(lang)
    hist = stats.histograms(bins)
    fig, axes = plt.subplots(3, 3, figsize=(12, 9))
    ax = axes.ravel()

    def bars(a, name, log=False, ylabel="objects"):
        if name not in hist:
            a.text(0.5, 0.5, _t("skipped", lang), ha="center", va="center", transform=a.transAxes)
            a.set_xticks([]), a.set_yticks([])
        else:
            counts, edges = hist[name]
            a.stairs(counts, edges, fill=True, alpha=0.7)
            if log:
                a.set_xscale("log")
            a.set_ylabel(_t(ylabel, lang))
        a.set_title(_t(name, lang))

    bars(ax[0], "relative_area", log=True)
    ax[1].bar([_t(b, lang) for b in BUCKETS], [stats.size_counts[b] for b in BUCKETS],
              color=["tab:red", "tab:orange", "tab:green"])
    ax[1].set_title(_t("sizes_title", lang))
    bars(ax[2], "aspect_ratio", log=True)
    ax[3].scatter(stats.width, stats.height, s=12, alpha=0.5)
    ax[3].set_xlabel(_t("width", lang))
    ax[3].set_ylabel(_t("height", lang))
    ax[3].set_title(_t("resolution_title", lang))
    bars(ax[4], "brightness", ylabel="images")
    bars(ax[5], "contrast", ylabel="images")
    bars(ax[6], "blur", ylabel="images")
    names, counts = list(stats.class_counts)[::-1], list(stats.class_counts.values())[::-1]
    ax[7].barh(names, counts)
    for y, c in enumerate(counts):  # the count at each bar, 0 for an empty class
        ax[7].text(c, y, " " + fmt_num(c, lang), va="center", fontsize=8)
    ax[7].set_title(_t("classes_title", lang))
    bars(ax[8], "overlap")
    from matplotlib.ticker import FuncFormatter

    ticks = FuncFormatter(lambda x, _: fmt_num(round(x, 6), lang))
    for a in ax:  # tick labels in the reader's number format (log axes keep theirs)
        for axis, scale in ((a.xaxis, a.get_xscale()), (a.yaxis, a.get_yscale())):
            if scale == "linear" and isinstance(axis.get_major_formatter(), ScalarFormatter):
                axis.set_major_formatter(ticks)
    fig.tight_layout()
    return fig


__all__ = ["plot", "report"]
