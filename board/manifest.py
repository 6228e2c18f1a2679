# Freeze manifest: the port's own modules plus onenetlog, for ESP32_GENERIC, RPI_PICO, RPI_PICO_W
# and the qemu port's MPS2 boards (the emulated board the tests run on; from the repo's copy).
# make BOARD=RPI_PICO FROZEN_MANIFEST=<repo>/board/manifest.py, after `onenetlog build --tier full --freeze`;
# or FROZEN_MANIFEST=DIR/manifest.py after `onenetlog build --tier full --freeze --out DIR`.
#
# Env: ONENETLOG_TIER (full|en|zh|min|codes, default full) picks dist/freeze-<tier>, whose
# table.py carries the text pool inline so it stays in flash; ONENETLOG_TIER=none freezes only
# the port's modules (a firmware to install the library onto); ONENETLOG_DIST overrides the
# dist folder. RPI_PICO_W keeps its board manifest (networking modules); the board comes from
# ONENETLOG_BOARD, else BOARD (make exports command-line variables to the manifest step).
# The build runs this file with the working directory set to this folder.
import os

TIER = os.environ.get("ONENETLOG_TIER", "full")
DIST = os.environ.get("ONENETLOG_DIST") or os.path.join("..", "dist")
BOARD = os.environ.get("ONENETLOG_BOARD") or os.environ.get("BOARD", "")
BOARD_MANIFESTS = {"RPI_PICO_W": "$(BOARD_DIR)/manifest.py"}
# ports/qemu has no boards/manifest.py; its modules are ours: the RAM-disk filesystem (qemu/).
QEMU_BOARDS = ("MPS2_AN385", "MPS2_AN500", "MPS3_AN547")
# `onenetlog build --freeze --out DIR` puts a copy of this file beside its onenetlog/: that one
# freezes its own folder.
BESIDE = os.path.isfile(os.path.join("onenetlog", "table.py"))
FREEZE_DIR = "." if BESIDE else os.path.join(DIST, "freeze-" + TIER)

metadata(description="OneNET device-log status codes, decoded on the board", version="0.1.0")

if BOARD in QEMU_BOARDS:
    module("qemufs.py", base_path="qemu")
else:
    include(BOARD_MANIFESTS.get(BOARD, "$(PORT_DIR)/boards/manifest.py"))

if TIER != "none":
    if not os.path.isfile(os.path.join(FREEZE_DIR, "onenetlog", "table.py")):
        raise FileNotFoundError(
            "no " + os.path.join(FREEZE_DIR, "onenetlog") + ": run `python -m onenetlog_tools.build --tier "
            + TIER + " --freeze` first")
    package("onenetlog", base_path=FREEZE_DIR)
