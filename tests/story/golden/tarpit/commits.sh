# A C program over three weeks: a loop, a config parser that fought back, a change taken
# back, a pause, a release.
at() { export GIT_AUTHOR_DATE="$1 -0500" GIT_COMMITTER_DATE="$1 -0500"; }
put() { mkdir -p "$(dirname "$1")"; printf '%b' "$2" > "$1"; git add -A; }

at "2024-06-08T20:10:00"
put README.md "# Drip: a slow banner for SSH scanners\n\nDrip pretends to be an SSH server and sends one random line every ten seconds, forever. Scanners that connect stay stuck for hours instead of moving on.\n"
put drip.c "#include <stdio.h>\n\n#define DEFAULT_DELAY 10000\n\nstruct client {\n    int fd;\n    long long send_next;\n};\n\nstatic int\nrandline(char *line, int max)\n{\n    int len = 3 + rand() % (max - 2);\n    for (int i = 0; i < len - 2; i++)\n        line[i] = 32 + rand() % 95;\n    line[len - 2] = 13;\n    line[len - 1] = 10;\n    return len;\n}\n"
put LICENSE "Public domain.\n"
git commit -q -m "Initial working code"

at "2024-06-08T22:45:00"
put drip.c "#include <stdio.h>\n\n#define DEFAULT_DELAY 10000\n\nstruct client {\n    int fd;\n    long long send_next;\n};\n\nstatic int\nrandline(char *line, int max)\n{\n    int len = 3 + rand() % (max - 2);\n    for (int i = 0; i < len - 2; i++)\n        line[i] = 32 + rand() % 95;\n    if (memcmp(line, \"SSH-\", 4) == 0)\n        line[0] = 'X';\n    line[len - 2] = 13;\n    line[len - 1] = 10;\n    return len;\n}\n"
git commit -q -m "Never start a line with SSH-" -m "A line starting with SSH- would end the banner and let the client in."

at "2024-06-09T10:02:00"
put drip.c "$(cat drip.c)\n\nstatic void\nconfig_load(const char *path)\n{\n    FILE *f = fopen(path, \"r\");\n    if (!f)\n        return;\n    fclose(f);\n}\n"
git commit -q -m "Read a config file with -f"

at "2024-06-09T11:15:00"
put drip.c "$(sed 's/    if (!f)/    if (!f) {\\n        perror(path);/' drip.c)"
git commit -q -m "fix: config_load ignored a missing file" -m "A typo in the path silently gave the defaults."

at "2024-06-09T12:40:00"
put drip.c "$(sed 's/    fclose(f);/    parse_lines(f);\\n    fclose(f);/' drip.c)"
git commit -q -m "fix: config_load stopped at the first comment"

at "2024-06-09T13:30:00"
put drip.c "$(sed 's/#define DEFAULT_DELAY 10000/#define DEFAULT_DELAY 10000\\n#define CLOCK_SOURCE CLOCK_REALTIME_COARSE/' drip.c)"
git commit -q -m "Use the coarse clock for send times"

at "2024-06-09T15:20:00"
put drip.c "$(grep -v CLOCK_SOURCE drip.c)"
git commit -q -m "Don't use CLOCK_REALTIME_COARSE" -m "Its resolution is only about 4ms, and the send times drift."

at "2024-06-30T19:00:00"
put drip.c "$(cat drip.c)\n\nstatic void\nlog_close(struct client *c, long long now)\n{\n    printf(\"CLOSE fd=%d time=%lld\\\\n\", c->fd, now - c->send_next);\n}\n"
git commit -q -m "Log how long each client stayed" -m "The numbers are what make the point: most scanners stay for minutes, some for days."

at "2024-06-30T19:30:00"
git tag v1.0
put Makefile "drip: drip.c\n\tcc -O2 -o drip drip.c\n"
git commit -q -m "Release 1.0"
