# The shape of developit/mitt f38922aa9190c9126c8fdc3306b32bd2c248b77e (src/index.js,
# "handler removal during handler invocation"), with our own bodies: a factory function
# returns an object of methods; the fix changes two lines inside `emit`, and git's header
# names only the factory. A second commit (our own) adds a method and drops a helper.
at() { export GIT_AUTHOR_DATE="$1 +0000" GIT_COMMITTER_DATE="$1 +0000"; }
export GIT_AUTHOR_NAME="Jay" GIT_AUTHOR_EMAIL="jay@example.com"
mkdir -p src
at "2024-04-01T09:00:00"
cat > src/index.js <<'EOF'
function list(all, type) {
	return all[type] || (all[type] = []);
}

/** An event emitter in a few lines. */
export default function bus(all) {
	all = all || Object.create(null);
	return {
		on(type, handler) {
			list(all, type).push(handler);
		},
		emit(type, evt) {
			(all[type] || []).map((handler) => { handler(evt); });
			(all['*'] || []).map((handler) => { handler(type, evt); });
		}
	};
}
EOF
git add -A; git commit -q -m "An event bus"
at "2024-04-02T09:00:00"
sed -i "s/(all\[type\] || \[\]).map/(all[type] || []).slice().map/; s/(all\['\*'\] || \[\]).map/(all['*'] || []).slice().map/" src/index.js
git add -A; git commit -q -m "Handlers may remove themselves while an event is emitted"
at "2024-04-03T09:00:00"
cat > src/index.js <<'EOF'
/** An event emitter in a few lines. */
export default function bus(all) {
	all = all || Object.create(null);
	return {
		on(type, handler) {
			(all[type] || (all[type] = [])).push(handler);
		},
		off(type, handler) {
			if (all[type]) all[type].splice(all[type].indexOf(handler) >>> 0, 1);
		},
		emit(type, evt) {
			(all[type] || []).slice().map((handler) => { handler(evt); });
			(all['*'] || []).slice().map((handler) => { handler(type, evt); });
		}
	};
}
EOF
git add -A; git commit -q -m "off()"
