"""nutdrv_qx: the Q* (Megatec family) serial protocols."""
