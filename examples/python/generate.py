#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 The gst-seedance developers
"""Generate one video with the seedancesrc element, from Python.

    generate.py [options] -o OUT.mp4 "PROMPT"
    generate.py --resume TASK_ID -o OUT.mp4

The same job as seedance-generate (the C example), for applications written
in Python: the pipeline is `seedancesrc location=OUT ! fakesink sync=false`,
so the MP4 is kept exactly as the service delivered it.  The API key comes
from SEEDANCE_API_KEY in the environment, never from the command line.

Exit codes: 0 success, 1 error, 2 usage, 130 interrupted.
"""

import argparse
import shlex
import signal
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GLib", "2.0")
from gi.repository import GLib, Gst  # noqa: E402


class Generator:
    def __init__(self, args):
        self.args = args
        self.exit_code = 0
        self.task_id = args.resume
        self.status = None
        self.elapsed = 0.0
        self.elapsed_at = None
        self.downloading = False
        self.line_drawn = False

        self.pipeline = Gst.Pipeline.new("generate")
        self.src = Gst.ElementFactory.make("seedancesrc", "src")
        sink = Gst.ElementFactory.make("fakesink", "sink")
        if self.src is None or sink is None:
            raise RuntimeError("the seedancesrc element is not installed "
                               "(set GST_PLUGIN_PATH to the plugin's directory)")
        # The element writes the file; the sink only drains the stream.
        sink.set_property("sync", False)
        self.pipeline.add(self.src)
        self.pipeline.add(sink)
        self.src.link(sink)

        # Only what the user asked for is set: the element's defaults and
        # its validation stay the authority.
        if args.resume:
            self.src.set_property("task-id", args.resume)
        if args.prompt:
            self.src.set_property("prompt", args.prompt)
        if args.duration is not None:
            self.src.set_property("duration", args.duration)
        if args.resolution:
            self.src.set_property("resolution", args.resolution)
        if args.ratio:
            self.src.set_property("ratio", args.ratio)
        if args.first_frame:
            self.src.set_property("first-frame", args.first_frame)
        if args.generate_audio:
            self.src.set_property("generate-audio", True)
        if args.poll_interval is not None:
            self.src.set_property("poll-interval", args.poll_interval)
        self.src.set_property("location", args.output)

        self.loop = GLib.MainLoop()
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)

    # --- the progress line ---

    def draw(self):
        elapsed = self.elapsed
        if self.elapsed_at is not None:
            elapsed += time.monotonic() - self.elapsed_at
        state = "downloading" if self.downloading else (self.status or "starting")
        line = "%s  %s  %.0f s" % (self.task_id or "creating task", state, elapsed)
        if self.downloading:
            pad = self.src.get_static_pad("src")
            ok_pos, pos = pad.query_position(Gst.Format.BYTES)
            ok_dur, dur = pad.query_duration(Gst.Format.BYTES)
            if ok_pos and ok_dur and dur > 0:
                line += "  %3.0f%%" % (100.0 * min(pos, dur) / dur)
        sys.stderr.write("\r%-78s" % line)
        sys.stderr.flush()
        self.line_drawn = True

    def clear(self):
        if self.line_drawn:
            sys.stderr.write("\r%-78s\r" % "")
            self.line_drawn = False

    def on_tick(self):
        # Redrawn in place on a terminal only; a log gets a line per message.
        if sys.stderr.isatty():
            self.draw()
        return GLib.SOURCE_CONTINUE

    # --- messages ---

    def on_message(self, bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s is None or s.get_name() != "seedance-task":
                return
            if s.has_field("task-id"):
                self.task_id = s.get_string("task-id")
            if s.has_field("status"):
                self.status = s.get_string("status")
            ok, elapsed = s.get_double("elapsed")
            if ok:
                self.elapsed = elapsed
                self.elapsed_at = time.monotonic()
            if s.get_string("event") == "succeeded":
                self.downloading = True
            self.draw()
        elif msg.type == Gst.MessageType.WARNING:
            err, _ = msg.parse_warning()
            self.clear()
            print("Warning: %s" % err.message, file=sys.stderr)
        elif msg.type == Gst.MessageType.ERROR:
            err, _ = msg.parse_error()
            details = msg.parse_error_details()
            self.clear()
            print("Error: %s" % err.message, file=sys.stderr)
            if details is not None and details.has_field("code"):
                print("Code: %s" % details.get_string("code"), file=sys.stderr)
            self.exit_code = 1
            self.loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            self.clear()
            print("%s: task %s" % (self.args.output, self.task_id))
            self.loop.quit()

    def on_interrupt(self):
        # Stop now; the task carries on (or waits) on the service.
        self.pipeline.set_state(Gst.State.NULL)
        self.clear()
        print("Interrupted.", file=sys.stderr)
        if self.task_id:
            print("Task ID: %s" % self.task_id, file=sys.stderr)
            print("Resume it with:\n  %s --resume %s -o %s"
                  % (shlex.quote(sys.argv[0]), shlex.quote(self.task_id),
                     shlex.quote(self.args.output)), file=sys.stderr)
            if self.status == "queued":
                print("The task is still queued.  Cancel it with:\n"
                      "  seedance-generate --cancel %s"
                      % shlex.quote(self.task_id), file=sys.stderr)
        else:
            print("No task ID was received yet.", file=sys.stderr)
        self.exit_code = 130
        self.loop.quit()
        return GLib.SOURCE_CONTINUE

    def run(self):
        sources = [
            GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT,
                                 self.on_interrupt),
            GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM,
                                 self.on_interrupt),
            GLib.timeout_add(250, self.on_tick),
        ]
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            # The reason is on the bus as an error message.
            msg = self.pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
            if msg is not None:
                self.on_message(None, msg)
            self.exit_code = 1
        else:
            self.loop.run()
        for source in sources:
            GLib.source_remove(source)
        self.pipeline.set_state(Gst.State.NULL)
        self.clear()
        return self.exit_code


def main():
    parser = argparse.ArgumentParser(
        description="Generate a video with Seedance (key: SEEDANCE_API_KEY).")
    parser.add_argument("prompt", nargs="?", help="the text prompt")
    parser.add_argument("-o", "--output", required=True, help="the MP4 to write")
    parser.add_argument("--duration", type=int, help="seconds, 5 to 15")
    parser.add_argument("--resolution", help="480p, 720p or 1080p")
    parser.add_argument("--ratio", help="16:9, 9:16 or 1:1")
    parser.add_argument("--first-frame", help="image-to-video: the first frame")
    parser.add_argument("--generate-audio", action="store_true",
                        help="generate a synchronized audio track")
    parser.add_argument("--resume", metavar="TASK_ID",
                        help="resume this task instead of creating one")
    parser.add_argument("--poll-interval", type=int, metavar="MS",
                        help="milliseconds between two queries (default 5000)")
    args = parser.parse_args()  # exits with 2 on a usage error
    if not (args.prompt or args.first_frame or args.resume):
        parser.error("give a PROMPT, --first-frame or --resume")

    Gst.init(None)
    try:
        generator = Generator(args)
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 1
    return generator.run()


if __name__ == "__main__":
    sys.exit(main())
