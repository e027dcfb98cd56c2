"""Talk material from a solve: an animated GIF, an MP4, a self-contained HTML player that works offline, and one
PNG per step (``python -m trm.render``). Everything is drawn from a Trace (trm.trace), so a trace saved by the app
renders without the model."""

from trm.render.animation import gif_bytes, write_gif, write_mp4, write_pngs
from trm.render.frames import THEMES, render_charts, render_frame
from trm.render.html_player import describe_maker, player_data, render_html, write_html
from trm.render.judging import completion_verdict, shown_conflicts

__all__ = ["THEMES", "completion_verdict", "describe_maker", "gif_bytes", "player_data", "render_charts",
           "render_frame", "render_html", "shown_conflicts", "write_gif", "write_html", "write_mp4", "write_pngs"]
