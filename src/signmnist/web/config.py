"""The page's configuration from Python: which modules both pages share, and every constant the pages read.

Torch-free, so that `serve` of an ONNX model answers /page.json without importing torch.
"""

from __future__ import annotations

from signmnist.inference import taught
from signmnist.live import decoder, hints, sequence, speller, strokes
from signmnist.live.decoder import WEIGHT
from signmnist.vision import geometry, hands, images, landmarks

# The modules both pages load (the server answers them at /page/NAME), then the offline page's own files.
SHARED = (
    "skeleton.mjs",
    "transcript.mjs",
    "practice-view.mjs",
    "practice.mjs",
    "hints.mjs",
    "strokes.mjs",
    "hand.mjs",
    "motion.mjs",
)
PAGE = (
    "index.html",
    "app.mjs",
    "signmnist.mjs",
    "preprocess.mjs",
    "speller.mjs",
    "sequence.mjs",
    "decoder.mjs",
    "language.mjs",
    "teach.mjs",
    "teach-view.mjs",
    *SHARED,
)


def strokes_config() -> dict:
    """`live.strokes`' settings and templates, for strokes.mjs."""
    return {"letters": {k: list(v) for k, v in strokes.LETTERS.items()}, "palm": list(geometry.PALM),
            "templates": {k: [p.tolist() for p in v] for k, v in strokes.TEMPLATES.items()},
            "points": strokes.POINTS, "moving": strokes.MOVING, "still_s": strokes.STILL_S, "jump": strokes.JUMP,
            "max_distance": strokes.MAX_DISTANCE, "turn": strokes.TURN, "hook": strokes.HOOK,
            "base_min": strokes.BASE_MIN, "min_size": strokes.MIN_SIZE, "min_s": strokes.MIN_S,
            "max_s": strokes.MAX_S, "rigid": strokes.RIGID, "dropout": strokes.DROPOUT, "smooth": strokes.SMOOTH,
            "max_episode": strokes.MAX_EPISODE, "keep": strokes.KEEP}  # fmt: skip


def practice_config() -> dict:
    """What the Practice mode compares a hand with: each letter's built hand (21, 3 pixels, palm length 100,
    as `data.handshapes` makes it), where its definition puts the thumb tip in words, and `live.hints`'
    tolerances and joints, for hints.mjs."""
    from signmnist.data import handshapes

    built = handshapes.letters()
    return {"hands": {k: [[round(float(v), 3) for v in p] for p in handshapes.mean_shape(k)] for k in built},
            "thumb": {k: hints.thumb_place(k) for k in built}, "tolerance": hints.TOLERANCE,
            "straight": hints.STRAIGHT, "fingers": list(handshapes.FINGER_NAMES),
            "joints": [list(j) for j in handshapes.FINGER_JOINTS], "bones": [list(b) for b in geometry.BONES],
            "descriptions": {k: v.description for k, v in built.items()}}  # fmt: skip


def page_config(prior: float = WEIGHT) -> dict:
    """Every constant the pages share with Python, read from where Python defines it: the hand's bones and
    palm, the hand search's and the image preparation's settings, the speller's and the decoder's."""
    return {
        "bones": [list(b) for b in geometry.BONES],
        "palm": list(geometry.PALM),
        "hand": {"min_confidence": hands.MIN_CONFIDENCE, "retry_pad": hands.RETRY_PAD,
                 "box_margin": geometry.BOX_MARGIN, "min_box": geometry.MIN_BOX, "finger_width": geometry.FINGER_WIDTH},
        "image": {"max_side": images.MAX_SIDE, "search_side": landmarks.SEARCH_SIDE, "row_pad": landmarks.ROW_PAD,
                  "trim_margin": images.TRIM_MARGIN,
                  "fill_share": images.FILL_SHARE, "tolerance": images.BORDER_TOLERANCE,
                  "busy_border": images.BUSY_BORDER, "stands_out": images.STANDS_OUT, "least_span": images.LEAST_SPAN},
        "speller": {"threshold": speller.THRESHOLD, "switch": speller.SWITCH, "hold": speller.HOLD,
                    "passing": speller.PASSING, "slow": speller.SLOW, "gap": speller.GAP, "rearm": speller.REARM,
                    "min_gap": speller.MIN_GAP, "gap_share": speller.GAP_SHARE, "recent": speller.RECENT,
                    "motion": speller.MOTION, "motion_window": speller.MOTION_WINDOW, "palm": list(geometry.PALM),
                    "ref_fps": sequence.REF_FPS, "floor": sequence.FLOOR, "lead": speller.LEAD, "glue": speller.GLUE,
                    "stroke_p": strokes.STROKE_P, "strokes": strokes_config()},
        "practice": practice_config(),
        "teach": {"format": taught.FORMAT, "strength": taught.STRENGTH, "steps": taught.STEPS, "lr": taught.LR,
                  "floor": taught.FLOOR},
        "decoder": {"weight": prior, "floor": decoder.FLOOR, "beam": decoder.BEAM, "per_letter": decoder.PER_LETTER,
                    "known": decoder.KNOWN, "memo": decoder.MEMO},
    }  # fmt: skip
