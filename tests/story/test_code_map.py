"""The ranked map of the code: the definitions the other files use most come first, with
the comments their author wrote. The fixture has the shape of zserge/fenster (e700581):
a one-header library whose examples call fenster_open, fenster_loop and fenster_close;
the bodies and comments are our own."""

from __future__ import annotations

from devlogd.story.outline import outline, outline_text

HEADER = """#ifndef FENSTER_H
struct fenster {
  int width;
  uint32_t *buf;
};
/* Opens a window of f->width by f->height pixels. */
FENSTER_API int fenster_open(struct fenster *f);
/* Shows the buffer and reads the keys; non-zero once the window closed. */
FENSTER_API int fenster_loop(struct fenster *f);
/* Closes the window. */
FENSTER_API void fenster_close(struct fenster *f);
static void fenster_draw_rect(struct fenster *f) { paint(f); }
static int fenster_should_close(struct fenster *f) { return 0; }
static void fenster_keymap(void) {}
static void fenster_cursor(void) {}
FENSTER_API int fenster_open(struct fenster *f) { fenster_draw_rect(f); return 0; }
FENSTER_API int fenster_loop(struct fenster *f) { return fenster_should_close(f); }
FENSTER_API void fenster_close(struct fenster *f) { free(f->buf); }
#endif
"""

EXAMPLE = """#include "fenster.h"
static void draw(struct fenster *f) { f->buf[0] = 1; }
int main(void) {
  struct fenster f = {.width = 320};
  fenster_open(&f);
  while (fenster_loop(&f) == 0) draw(&f);
  fenster_close(&f);
  return 0;
}
"""


def test_the_map_of_fenster_names_its_api_with_comments_first() -> None:
    texts = [("fenster.h", HEADER), ("examples/minimal/main.c", EXAMPLE), ("examples/drawing/main.c", EXAMPLE)]
    outlines = outline(texts, files=1, budget=4 * 14)  # room for four definitions
    assert [o.path for o in outlines] == ["fenster.h"]
    assert [(d.name, d.comment) for d in outlines[0].definitions] == [  # in the file's order
        ("fenster", ""),
        ("fenster_open", "Opens a window of f->width by f->height pixels."),
        ("fenster_loop", "Shows the buffer and reads the keys; non-zero once the window closed."),
        ("fenster_close", "Closes the window."),
    ]
    text = outline_text(outlines)
    assert "  - fenster_open: Opens a window" in text


def test_a_definition_nobody_uses_ranks_below_the_ones_used() -> None:
    texts = [("fenster.h", HEADER), ("examples/minimal/main.c", EXAMPLE)]
    names = [d.name for d in outline(texts, files=1, budget=6 * 14)[0].definitions]
    assert "fenster_keymap" not in names and "fenster_cursor" not in names
    assert {"fenster_open", "fenster_loop", "fenster_close"} <= set(names)
