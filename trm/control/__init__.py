"""Run control for the app: start, stop, resume, delete and export background training runs, and the device a
new run will use. The top layer of ``trm``: it builds on training, run folders and export, and nothing in ``trm``
imports it."""

from trm.control.actions import RunStateError, delete_run, export_run, resume_run, start_run, stop_run
from trm.control.device_info import DeviceInfo, detect_device
from trm.control.trainer_process import reap_children

__all__ = ["DeviceInfo", "RunStateError", "delete_run", "detect_device", "export_run", "reap_children",
           "resume_run", "start_run", "stop_run"]
