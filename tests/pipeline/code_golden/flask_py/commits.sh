# The shape of pallets/flask c77a5203438fe772d41f6a47303ad3f57a4efe6d ("deprecate
# should_ignore_error"), with our own bodies: lines added inside two methods of a class
# whose hunk headers name only the class, and a method replaced by a class attribute in
# its base class.
at() { export GIT_AUTHOR_DATE="$1 +0000" GIT_COMMITTER_DATE="$1 +0000"; }
export GIT_AUTHOR_NAME="Dee" GIT_AUTHOR_EMAIL="dee@example.com"
mkdir -p src/shop
at "2024-02-01T09:00:00"
cat > src/shop/base.py <<'EOF'
class App:
    """The part of the application that knows no server."""

    name = "shop"

    def should_skip_error(self, error):
        """Whether teardown handlers skip this error."""
        return False
EOF
cat > src/shop/app.py <<'EOF'
from shop.base import App


class Shop(App):
    def dispatch(self, request):
        """Runs one request through its handlers."""
        result = self.route(request)
        return self.finish(result)

    def serve(self, environ):
        error = None
        try:
            return self.dispatch(environ)
        finally:
            if error is not None and self.should_skip_error(error):
                error = None
            self.teardown(error)
EOF
git add -A; git commit -q -m "A shop"
at "2024-02-02T09:00:00"
cat > src/shop/base.py <<'EOF'
class App:
    """The part of the application that knows no server."""

    name = "shop"

    should_skip_error = None
    """Deprecated: handle errors in teardown handlers instead."""
EOF
cat > src/shop/app.py <<'EOF'
from shop.base import App


class Shop(App):
    def dispatch(self, request):
        """Runs one request through its handlers."""
        if self.should_skip_error is not None:
            warn("should_skip_error is deprecated")
        result = self.route(request)
        return self.finish(result)

    def serve(self, environ):
        error = None
        try:
            return self.dispatch(environ)
        finally:
            if (
                error is not None
                and self.should_skip_error is not None
                and self.should_skip_error(error)
            ):
                error = None
            self.teardown(error)
EOF
git add -A; git commit -q -m "deprecate should_skip_error"
