"""UI strings of the book in English and Turkish.

Notebooks set ``LANG = "en"`` or ``LANG = "tr"`` in their first cell and pass it to every
function that shows text; everything a reader sees (labels, titles, table headers, messages)
comes from here, so the two editions run the same code.

>>> t("level", "tr")
'Seviye'
>>> t("rec_ok", "en", stride=16, cells=2.5)
'Recommendation: the stride-16 level is enough (≈2.50 cells).'
"""
from __future__ import annotations

LANGS = ("en", "tr")

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        # tables
        "level": "Level",
        "name": "Name",
        "channels": "Channels",
        "stride": "Stride",
        "size": "H × W",
        "cells": "Cells",
        "recommended": "Recommended",
        "input_size": "Input size (px)",
        "object_size": "Object size (px)",
        "image": "Image",
        "channel": "Channel",
        "parameters": "Parameters",
        "time_ms": "Time (ms)",
        "variant": "Variant",
        "max_abs_diff": "Max |difference|",
        "equal": "Equal",
        "declared": "Declared stride",
        "measured": "Measured stride",
        "ok": "OK",
        "mismatch": "MISMATCH",
        # recommend_level
        "rec_ok": "Recommendation: the stride-{stride} level is enough (≈{cells:.2f} cells).",
        "rec_small": (
            "Warning: the object is too small; even stride {stride} gives only {cells:.2f} cells "
            "(< {min_cells}). Consider a higher input resolution, a finer level, "
            "augmentation or a stronger neck."
        ),
        # plots and widgets
        "pyramid_title": "Feature pyramid",
        "input": "Input",
        "feature_maps": "Feature maps",
        "backbone_level": "Backbone {name}",
        "neck_level": "Neck {name}",
        "static_note": "Precomputed values (works without a kernel).",
        "live_note": "Live (needs a running kernel).",
        "loss": "Loss",
        "step": "Step",
        "training": "Training",
        "mean_abs": "mean |activation|",
        "raw_weight": "raw weight w{i}",
        "method": "Method",
        "weight": "w{i}",
        "fused": "fused ({method})",
        "variant_label": "Variant",
        "attention_map": "Attention map",
        "after_attention": "After attention",
        "before_attention": "Before attention",
        "channel_weights": "Channel weights (sorted)",
        "ch1_part": "Part",
        "ch1_measured_size": "H × W (measured)",
        "ch1_formula_size": "⌈H/s⌉ × ⌈W/s⌉",
        "ch1_status": "Status",
        "ch1_col_seed": "Strides 8/16/32",
        "ch1_col_p2p7": "P2–P7",
        "ch1_col_p2p7_2x": "P2–P7, input ×2",
        # ch1 (chapter 1 strings: add above this line)
        "ch2_seed_four_levels": "This implementation expects C2..C5 (4 levels).",
        "ch2_compared_to": "Compared with",
        "ch2_upsample": "Upsampling",
        "ch2_smoothing": "3×3 conv after the sum",
        "ch2_smooth_off": "none (smooth=False)",
        "ch2_smooth_init": "as initialised (random)",
        "ch2_smooth_box": "a 3×3 blur (what training could learn)",
        # ch2 (chapter 2 strings: add above this line)
        "ch3_backbone_out": "Backbone C_k",
        "ch3_neck_out": "Neck P_k",
        "ch3_head_cls": "Head: class logits",
        "ch3_head_box": "Head: box distances",
        "ch3_cells_total": "Predictions per image (one per cell of every level): {n}",
        "ch3_objects": "Objects",
        "ch3_dataset": "{n_train} training images with {n_obj} objects; {n_test} held-out images",
        "ch3_train_time": ("Trained {steps} steps × batch {batch} in {seconds:.0f} s; loss {first:.2f} → "
                           "{last:.2f} (mean of the last 20 steps)"),
        "ch3_moving_avg": "mean of {n} steps",
        "ch3_pred_title": "Held-out images. Green: ground truth; white: predictions (class, score)",
        "ch3_found": "Found {found} of {total} objects in {n} held-out images (IoU ≥ 0.5 and the right class)",
        "ch3_td_share": "Top-down share of P_k (%)",
        "ch3_share_falls": "The share falls from P2 to P5 and is exactly 0 at P5:",
        "ch3_class_square": "square",
        "ch3_class_disc": "disc",
        "ch3_class_triangle": "triangle",
        # ch3 (chapter 3 strings: add above this line)
        "ch4_col_p2p5": "Up to P5: level (cells)",
        "ch4_col_p2p7": "Up to P7: level (cells)",
        "ch4_anchor": "RetinaNet anchor (px)",
        "ch4_head_window": "Head window (px)",
        "ch4_source": "P6 computed from",
        "ch4_params_added": "Parameters added (%)",
        "ch4_gflops": "GFLOPs",
        "ch4_flops_added": "FLOPs added (%)",
        "ch4_head_cells": "Cells for the head",
        "ch4_cells_added": "Cells added (%)",
        "ch4_same_as_table": "Same as stride_table (⌈n/s⌉)",
        # ch4 (chapter 4 strings: add above this line)
        "ch5_diagram_title": "PANet = FPN + bottom-up path augmentation",
        "ch5_col_backbone": "Backbone",
        "ch5_col_top_down": "FPN: top-down",
        "ch5_col_bottom_up": "Added bottom-up path",
        "ch5_long_path": "Through the backbone: C{first} → … → C{top} → P{top}",
        "ch5_short_path": "PANet's short path: C{first} → P{first} → N{first} → … → N{top}",
        "ch5_backbone": "Backbone",
        "ch5_stage_convs": "Convs in layer2–4",
        "ch5_from_level": "From",
        "ch5_module": "Module",
        "ch5_computes": "Computes",
        "ch5_yolov8_layer": "YOLOv8n layer",
        "ch5_step": "Step",
        "ch5_peak_mib": "Peak activations (MiB)",
        "ch5_out_channels": "Output channels",
        # ch5 (chapter 5 strings: add above this line)
        "ch6_diagram_title": "One BiFPN cell, P{first}–P{top}",
        "ch6_col_inputs": "Cell inputs",
        "ch6_col_td": "Top-down nodes",
        "ch6_col_out": "Outputs",
        "ch6_edge_up": "top-down: nearest upsampling",
        "ch6_edge_down": "bottom-up: 3×3 max-pool, stride 2",
        "ch6_edge_same": "same level",
        "ch6_edge_skip": "extra edge: a level's input straight to its output",
        "ch6_node_note": "node: weighted sum → SiLU → depthwise 3×3 → 1×1 → BN",
        "ch6_node": "Node",
        "ch6_fuses": "Fuses (in weight order)",
        "ch6_n_weights": "Weights in the module",
        "ch6_td_edge": "Top-down edge, cell {r}",
        "ch6_bu_edge": "Bottom-up edge, cell {r}",
        "ch6_raw": "Raw weights",
        "ch6_part": "Part",
        "ch6_part_extra": "P6 from C5: 1×1 conv + BN",
        "ch6_part_adapters": "Input adapters: 1×1 conv + BN",
        "ch6_part_nodes": "Node convs: depthwise + pointwise + BN",
        "ch6_part_weights": "Fusion weights",
        "ch6_total": "Total",
        "ch6_gflops": "GFLOPs",
        "ch6_input_fine": "Input 1: fine map (stride 8)",
        "ch6_input_coarse": "Input 2: coarse map, upsampled (stride 32 → 8)",
        "ch6_backbone_channels": "Backbone C3, C4, C5 channels",
        "ch6_width": "BiFPN width (channels)",
        "ch6_repeats": "BiFPN cells",
        # ch6 (chapter 6 strings: add above this line)
        # ch7 (chapter 7 strings: add above this line)
        # ch8 (chapter 8 strings: add above this line)
    },
    "tr": {
        "level": "Seviye",
        "name": "Ad",
        "channels": "Kanal",
        "stride": "Stride",
        "size": "H × W",
        "cells": "Hücre",
        "recommended": "Önerilen",
        "input_size": "Girdi boyutu (px)",
        "object_size": "Nesne boyutu (px)",
        "image": "Görüntü",
        "channel": "Kanal no",
        "parameters": "Parametre",
        "time_ms": "Süre (ms)",
        "variant": "Varyant",
        "max_abs_diff": "En büyük |fark|",
        "equal": "Eşit",
        "declared": "Beyan edilen stride",
        "measured": "Ölçülen stride",
        "ok": "Tamam",
        "mismatch": "UYUMSUZ",
        "rec_ok": "Öneri: stride {stride} seviyesi yeterli (≈{cells:.2f} hücre).",
        "rec_small": (
            "Uyarı: nesne çok küçük; stride {stride} bile yalnızca {cells:.2f} hücre veriyor "
            "(< {min_cells}). Daha yüksek çözünürlük, daha ince bir seviye, augmentation "
            "ya da daha güçlü bir neck düşün."
        ),
        "pyramid_title": "Özellik piramidi",
        "input": "Girdi",
        "feature_maps": "Feature map'ler",
        "backbone_level": "Backbone {name}",
        "neck_level": "Neck {name}",
        "static_note": "Önceden hesaplanmış değerler (kernel olmadan çalışır).",
        "live_note": "Canlı (çalışan bir kernel ister).",
        "loss": "Loss",
        "step": "Adım",
        "training": "Eğitim",
        "mean_abs": "ortalama |aktivasyon|",
        "raw_weight": "ham ağırlık w{i}",
        "method": "Yöntem",
        "weight": "w{i}",
        "fused": "birleşik ({method})",
        "variant_label": "Varyant",
        "attention_map": "Attention haritası",
        "after_attention": "Attention sonrası",
        "before_attention": "Attention öncesi",
        "channel_weights": "Kanal ağırlıkları (sıralı)",
        "ch1_part": "Parça",
        "ch1_measured_size": "H × W (ölçülen)",
        "ch1_formula_size": "⌈H/s⌉ × ⌈W/s⌉",
        "ch1_status": "Durum",
        "ch1_col_seed": "Stride 8/16/32",
        "ch1_col_p2p7": "P2–P7",
        "ch1_col_p2p7_2x": "P2–P7, girdi ×2",
        # ch1 (chapter 1 strings: add above this line)
        "ch2_seed_four_levels": "Bu implementasyon C2..C5 (4 seviye) bekliyor.",
        "ch2_compared_to": "Karşılaştırılan",
        "ch2_upsample": "Upsample modu",
        "ch2_smoothing": "Toplamadan sonraki 3×3 conv",
        "ch2_smooth_off": "yok (smooth=False)",
        "ch2_smooth_init": "ilk hâliyle (rastgele)",
        "ch2_smooth_box": "3×3 bulanıklaştırma (eğitimin öğrenebileceği)",
        # ch2 (chapter 2 strings: add above this line)
        "ch3_backbone_out": "Backbone C_k",
        "ch3_neck_out": "Neck P_k",
        "ch3_head_cls": "Head: sınıf logit'leri",
        "ch3_head_box": "Head: kutu mesafeleri",
        "ch3_cells_total": "Görüntü başına tahmin sayısı (her seviyenin her hücresine bir): {n}",
        "ch3_objects": "Nesne",
        "ch3_dataset": "{n_train} eğitim görüntüsü, {n_obj} nesne; eğitimde görülmeyen {n_test} test görüntüsü",
        "ch3_train_time": ("{steps} adım × batch {batch} eğitim {seconds:.0f} s sürdü; loss {first:.2f} → "
                           "{last:.2f} (son 20 adımın ortalaması)"),
        "ch3_moving_avg": "{n} adımlık ortalama",
        "ch3_pred_title": "Eğitimde görülmeyen görüntüler. Yeşil: gerçek kutular; beyaz: tahminler (sınıf, skor)",
        "ch3_found": "{n} test görüntüsündeki {total} nesneden {found} tanesi bulundu (IoU ≥ 0.5 ve doğru sınıf)",
        "ch3_td_share": "P_k içinde top-down payı (%)",
        "ch3_share_falls": "Pay P2'den P5'e doğru azalıyor ve P5'te tam olarak 0:",
        "ch3_class_square": "kare",
        "ch3_class_disc": "disk",
        "ch3_class_triangle": "üçgen",
        # ch3 (chapter 3 strings: add above this line)
        "ch4_col_p2p5": "P5'e kadar: seviye (hücre)",
        "ch4_col_p2p7": "P7'ye kadar: seviye (hücre)",
        "ch4_anchor": "RetinaNet anchor'ı (px)",
        "ch4_head_window": "Head penceresi (px)",
        "ch4_source": "P6'nın kaynağı",
        "ch4_params_added": "Eklenen parametre (%)",
        "ch4_gflops": "GFLOPs",
        "ch4_flops_added": "Eklenen FLOPs (%)",
        "ch4_head_cells": "Head'in çalıştığı hücre",
        "ch4_cells_added": "Eklenen hücre (%)",
        "ch4_same_as_table": "stride_table (⌈n/s⌉) ile aynı",
        # ch4 (chapter 4 strings: add above this line)
        "ch5_diagram_title": "PANet = FPN + bottom-up yol ekleme",
        "ch5_col_backbone": "Backbone",
        "ch5_col_top_down": "FPN: top-down",
        "ch5_col_bottom_up": "Eklenen bottom-up yol",
        "ch5_long_path": "Backbone üzerinden: C{first} → … → C{top} → P{top}",
        "ch5_short_path": "PANet'in kısa yolu: C{first} → P{first} → N{first} → … → N{top}",
        "ch5_backbone": "Backbone",
        "ch5_stage_convs": "layer2–4'teki conv",
        "ch5_from_level": "Başlangıç",
        "ch5_module": "Modül",
        "ch5_computes": "Hesapladığı",
        "ch5_yolov8_layer": "YOLOv8n katmanı",
        "ch5_step": "Adım",
        "ch5_peak_mib": "En yüksek aktivasyon belleği (MiB)",
        "ch5_out_channels": "Çıkış kanalları",
        # ch5 (chapter 5 strings: add above this line)
        "ch6_diagram_title": "Bir BiFPN hücresi, P{first}–P{top}",
        "ch6_col_inputs": "Hücre girdileri",
        "ch6_col_td": "Top-down düğümleri",
        "ch6_col_out": "Çıktılar",
        "ch6_edge_up": "top-down: nearest upsample",
        "ch6_edge_down": "bottom-up: 3×3 max-pool, stride 2",
        "ch6_edge_same": "aynı seviye",
        "ch6_edge_skip": "ek kenar: seviyenin girdisinden doğrudan çıktısına",
        "ch6_node_note": "düğüm: ağırlıklı toplam → SiLU → depthwise 3×3 → 1×1 → BN",
        "ch6_node": "Düğüm",
        "ch6_fuses": "Birleştirdikleri (ağırlık sırasıyla)",
        "ch6_n_weights": "Modüldeki ağırlık sayısı",
        "ch6_td_edge": "Top-down kenarı, hücre {r}",
        "ch6_bu_edge": "Bottom-up kenarı, hücre {r}",
        "ch6_raw": "Ham ağırlıklar",
        "ch6_part": "Parça",
        "ch6_part_extra": "C5'ten P6: 1×1 conv + BN",
        "ch6_part_adapters": "Girdi adaptörleri: 1×1 conv + BN",
        "ch6_part_nodes": "Düğüm conv'ları: depthwise + pointwise + BN",
        "ch6_part_weights": "Fusion ağırlıkları",
        "ch6_total": "Toplam",
        "ch6_gflops": "GFLOPs",
        "ch6_input_fine": "Girdi 1: ince map (stride 8)",
        "ch6_input_coarse": "Girdi 2: kaba map, upsample edilmiş (stride 32 → 8)",
        "ch6_backbone_channels": "Backbone C3, C4, C5 kanalları",
        "ch6_width": "BiFPN genişliği (kanal)",
        "ch6_repeats": "BiFPN hücresi",
        # ch6 (chapter 6 strings: add above this line)
        # ch7 (chapter 7 strings: add above this line)
        # ch8 (chapter 8 strings: add above this line)
    },
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if the book has it, else raise a ValueError that lists the choices."""
    if lang not in STRINGS:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)} "
                         f"(set LANG in the notebook's first cell)")
    return lang


def t(key: str, lang: str = "en", **fmt) -> str:
    """The string ``key`` in ``lang``, formatted with ``fmt``."""
    table = STRINGS[check_lang(lang)]
    if key not in table:
        raise KeyError(f"no UI string {key!r}; add it to fpnlab.i18n.STRINGS for every language")
    text = table[key]
    return text.format(**fmt) if fmt else text
