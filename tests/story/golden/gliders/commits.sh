# A game by two friends: the umbrella glide, music, sprites, messages that say nothing,
# and a note of the author's own.
at() { export GIT_AUTHOR_DATE="$1 +0200" GIT_COMMITTER_DATE="$1 +0200"; }
put() { mkdir -p "$(dirname "$1")"; printf '%b' "$2" > "$1"; git add -A; }
sam() { export GIT_AUTHOR_NAME="Sam Westerlund" GIT_AUTHOR_EMAIL="sam@example.com"; }
ben() { export GIT_AUTHOR_NAME="Benjamin Rosenlund" GIT_AUTHOR_EMAIL="ben@example.com"; }

sam; at "2024-03-02T20:00:00"
put README.md "# gliders\nA pico-8 platformer made by two friends, where an umbrella turns every fall into a glide.\n"
put game.lua "GRAVITY = 0.3\n\nfunction make_player(x, y)\n  return {x = x, y = y, dy = 0}\nend\n\nfunction update_player(p)\n  p.dy = p.dy + GRAVITY\n  p.y = p.y + p.dy\nend\n"
git commit -q -m "Player that falls"

ben; at "2024-03-05T18:10:00"
put music/theme.txt "pattern 1: c e g c\n"
git commit -q -m "Composed a first theme"

sam; at "2024-03-09T14:00:00"
put game.lua "$(cat game.lua)\n\nTERMINAL_VELOCITY = 2\n\nfunction update_umbrella(p)\n  if p.umbrella and p.dy > TERMINAL_VELOCITY then\n    p.dy = TERMINAL_VELOCITY\n  end\nend\n"
put sprites/umbrella.png "\x89PNG fake"
git commit -q -m "idk"

sam; at "2024-03-09T16:30:00"
put game.lua "$(sed 's/    p.dy = TERMINAL_VELOCITY/    p.dy = TERMINAL_VELOCITY * 0.5/' game.lua)"
git commit -q -m "wip"

sam; at "2024-03-10T11:00:00"
put game.lua "$(cat game.lua)\n\nfunction tilt_umbrella(p, dir)\n  p.tilt = dir\n  p.dx = p.dx + dir * 0.2\nend\n"
git commit -q -m "Tilt the umbrella left and right" -m "Discrete positions make the character easier to draw and to steer."

ben; at "2024-03-11T19:00:00"
put music/theme.txt "pattern 1: c e g c\npattern 2: a c e a\n"
git commit -q -m "Second song, an absolute banger"
