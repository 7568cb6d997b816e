"""Video script by a model: scenes with duration, narration, on-screen text and b-roll notes, the total
close to the runtime asked for (narration is timed at a speaking pace, not taken on trust)."""

from __future__ import annotations

from harvest_desktop.formats.generative.base import Format, attribution_lines, citation, cite_marks, nums, text_of

WORDS_PER_SECOND = 2.5  # about 150 words a minute, a calm narration
SCENE_SCHEMA = {"type": "object", "properties": {
    "duration_s": {"type": "number"}, "narration": {"type": "string"}, "on_screen_text": {"type": "string"},
    "broll": {"type": "string"}, "passages": {"type": "array", "items": {"type": "integer"}}},
    "required": ["duration_s", "narration", "passages"]}


def spoken_seconds(text: str) -> float:
    return round(len(text.split()) / WORDS_PER_SECOND, 1)


def scene(d, mat):
    from harvest_desktop.formats.schema import Scene

    if not isinstance(d, dict) or not text_of(d.get("narration")):
        return None
    narration = text_of(d.get("narration"))
    try:
        said = float(d.get("duration_s") or 0)
    except (TypeError, ValueError):
        said = 0.0
    spoken = spoken_seconds(narration)
    # The model's timing is kept when the narration fits in it; otherwise the speaking time wins.
    duration = said if spoken <= said <= spoken * 1.6 + 4 else max(spoken, 3.0)
    return Scene(duration_s=round(duration, 1), narration=narration, on_screen_text=text_of(d.get("on_screen_text")),
                 broll=text_of(d.get("broll") or d.get("b_roll")),
                 citations=[citation(n, mat, narration) for n in dict.fromkeys(nums(d.get("passages")))])


class VideoScriptFormat(Format):
    key, label, template = "video-script", "Video script", "video_script.j2"
    merge = False
    item_schema = SCENE_SCHEMA
    item_attr, item_word = "scenes", "Scene"

    def rewrite_items(self, mat):
        return 2 + int(self.opts.runtime_s // 5)  # scenes of at least five seconds
    schema = {"type": "object", "properties": {"title": {"type": "string"},
                                               "scenes": {"type": "array", "items": SCENE_SCHEMA}},
              "required": ["title", "scenes"]}

    def output_tokens(self, share: float = 1.0) -> int:
        return int(self.opts.runtime_s * WORDS_PER_SECOND * 2.2) + 400

    def instructions(self, share: float = 1.0) -> str:
        rt = self.opts.runtime_s
        scenes = max(2, round(rt / 25))
        return (f"Write a video script of {rt:g} seconds in total, in a {self.opts.tone} tone: about {scenes} scenes, "
                f"each with its duration in seconds, the narration (about {round(rt * WORDS_PER_SECOND)} words of "
                "narration in all, at 150 words a minute), short on-screen text and a b-roll note saying what is "
                "shown. The durations add up to the total. Every scene cites its passages.")

    def content(self, datas, mat, meta):
        from harvest_desktop.formats.schema import VideoScript

        d = datas[-1]
        scenes = [s for s in (scene(x, mat) for x in d.get("scenes") or []) if s]
        return VideoScript(title=text_of(d.get("title")) or "Video script", target_runtime_s=self.opts.runtime_s,
                           scenes=scenes)

    def item_json(self, item):
        return {"duration_s": item.duration_s, "narration": item.narration, "on_screen_text": item.on_screen_text,
                "broll": item.broll}

    def item_from(self, data, mat, old):
        return scene(data, mat)

    def citations_of(self, content):
        return [c for s in content.scenes for c in s.citations]

    def markdown(self, content) -> str:
        total = sum(s.duration_s for s in content.scenes)
        out = [f"# {content.title}", "",
               f"Runtime: {total:.0f} s (target {content.target_runtime_s:.0f} s), {len(content.scenes)} scenes", ""]
        t = 0.0
        for i, s in enumerate(content.scenes, 1):
            out += [f"## Scene {i} ({t:.0f}–{t + s.duration_s:.0f} s)", "",
                    f"**Narration:** {s.narration}{cite_marks(s.citations)}", ""]
            if s.on_screen_text:
                out += [f"**On screen:** {s.on_screen_text}", ""]
            if s.broll:
                out += [f"**B-roll:** {s.broll}", ""]
            t += s.duration_s
        return "\n".join(out + attribution_lines(content.sources)) + "\n"


FORMAT = VideoScriptFormat
