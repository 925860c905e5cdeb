# The shape of zserge/fenster (a one-header C GUI library with a drawing example), with our
# own bodies: the cases of issue 21, where the hunk header's context line named the
# function *above* the change.
#   - "fix obsolete fenster_time() declaration" is upstream 509a2eaf48ad01c9cda1c0de800fdac56678fcc1
#     (a prototype and a definition change `()` to `(void)`; git's headers name fenster_sleep);
#   - the flood fill rewritten without recursion, and fenster_clear/fenster_frame added after
#     fenster_time, are a new user's commits on top of examples/drawing-c/main.c
#     (upstream file at e700581 names fenster_fill, run-style helpers above it).
at() { export GIT_AUTHOR_DATE="$1 +0200" GIT_COMMITTER_DATE="$1 +0200"; }
export GIT_AUTHOR_NAME="Ada" GIT_AUTHOR_EMAIL="ada@example.com"

at "2024-01-02T10:00:00"
cat > fenster.h <<'EOF'
#ifndef FENSTER_H
#define FENSTER_H
#include <stdint.h>

struct fenster {
  const char *title;
  const int width;
  const int height;
  uint32_t *buf;
};

FENSTER_API int fenster_open(struct fenster *f);
FENSTER_API int fenster_loop(struct fenster *f);
FENSTER_API void fenster_close(struct fenster *f);
FENSTER_API void fenster_sleep(int64_t ms);
FENSTER_API int64_t fenster_time();

FENSTER_API void fenster_sleep(int64_t ms) {
  usleep(ms * 1000);
}
FENSTER_API int64_t fenster_time() {
  return clock_ms();
}
#endif
EOF
cat > main.c <<'EOF'
#include "fenster.h"

static int run(struct fenster *f) {
  while (fenster_loop(f) == 0) {
    paint(f);
  }
  return 0;
}
static void fenster_fill(struct fenster *f, int x, int y, uint32_t old, uint32_t c) {
  if (x < 0 || y < 0 || x >= f->width || y >= f->height) return;
  if (fenster_pixel(f, x, y) != old) return;
  fenster_pixel(f, x, y) = c;
  fenster_fill(f, x - 1, y, old, c);
  fenster_fill(f, x + 1, y, old, c);
}

int main(void) {
  struct fenster f = {.title = "demo", .width = 320, .height = 240};
  fenster_open(&f);
  return run(&f);
}
EOF
git add -A; git commit -q -m "Drawing demo"

at "2024-01-03T10:00:00"
cat > main.c <<'EOF'
#include "fenster.h"

static int run(struct fenster *f) {
  while (fenster_loop(f) == 0) {
    paint(f);
  }
  return 0;
}
static void fenster_fill(struct fenster *f, int x0, int y0, uint32_t old, uint32_t c) {
  int stack[4096], top = 0;
  stack[top++] = y0 * f->width + x0;
  while (top > 0) {
    int at = stack[--top], x = at % f->width, y = at / f->width;
    if (fenster_pixel(f, x, y) != old) continue;
    fenster_pixel(f, x, y) = c;
    if (x > 0) stack[top++] = at - 1;
    if (x + 1 < f->width) stack[top++] = at + 1;
  }
}

int main(void) {
  struct fenster f = {.title = "demo", .width = 320, .height = 240};
  fenster_open(&f);
  return run(&f);
}
EOF
git add -A; git commit -q -m "Flood fill with its own stack: big areas overflowed the C stack"

at "2024-01-04T10:00:00"
cat > fenster.h <<'EOF'
#ifndef FENSTER_H
#define FENSTER_H
#include <stdint.h>

struct fenster {
  const char *title;
  const int width;
  const int height;
  uint32_t *buf;
};

FENSTER_API int fenster_open(struct fenster *f);
FENSTER_API int fenster_loop(struct fenster *f);
FENSTER_API void fenster_close(struct fenster *f);
FENSTER_API void fenster_sleep(int64_t ms);
FENSTER_API int64_t fenster_time();

FENSTER_API void fenster_sleep(int64_t ms) {
  usleep(ms * 1000);
}
FENSTER_API int64_t fenster_time() {
  return clock_ms();
}
/* Paints the whole window one colour. */
FENSTER_API void fenster_clear(struct fenster *f, uint32_t c) {
  for (int i = 0; i < f->width * f->height; i++) f->buf[i] = c;
}
FENSTER_API void fenster_frame(struct fenster *f, int64_t start, int fps) {
  int64_t left = 1000 / fps - (fenster_time() - start);
  if (left > 0) fenster_sleep(left);
}
#endif
EOF
sed -i 's/    paint(f);/    fenster_clear(f, 0);\n    paint(f);/' main.c
git add -A; git commit -q -m "Clear the screen and keep a steady frame rate"

at "2024-01-05T10:00:00"
sed -i 's/fenster_time() {/fenster_time(void) {/; s/fenster_time();$/fenster_time(void);/' fenster.h
git add -A; git commit -q -m "fix obsolete fenster_time() declaration"

at "2024-01-06T10:00:00"
sed -i 's/fenster_sleep/fenster_wait/g' fenster.h
git add -A; git commit -q -m "Call it wait"
