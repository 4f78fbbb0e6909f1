// Package console is wf's web console, what wf serve serves: the stored
// instances of an engine in a browser, each one's state at every
// version, diffs between versions, and the operator's actions on it.
//
// A Server is an http.Handler built from the standard library alone:
// net/http routes, html/template pages, and a little plain JavaScript
// and CSS embedded with embed (assets/), so it runs from a clean clone
// with no build step. The list of instances is rendered on the server;
// an instance's page is filled in by assets/instance.js from the JSON
// endpoints below, which put data in the page only as text.
//
// # Pages
//
//	GET /                      the instances: status, waiting for, due, program, version,
//	                           updated; filters ?status= &program= (hash prefix) &waiting_for=
//	                           &marker= (version marker) &q= (id prefix); pages of 50 after a cursor
//	GET /instances/{id}        one instance: timeline slider, state (machine tree, source with
//	                           the current line marked, output, inbox), diff, actions
//
// # JSON endpoints
//
// They answer in the shapes of the CLI's --json output; an error is
// {"error": "..."} with status 400 (bad parameters or body), 401 (no
// or wrong token), 403 (refused: not loopback, cross-site, no CSRF
// token), 404 (unknown instance, version or program), 409 (the
// instance has finished, or moved on since expect_version), 413 (body
// over Options.MaxBody).
//
//	GET  /api/instances                   wf list --json: [Instance]; the list page's filters,
//	                                      and ?limit= (1 to 500) &after=CURSOR; a Link header
//	                                      (rel="next") gives the next page's URL
//	GET  /api/instances/{id}[?at=N]       wf show --json: engine.Report (instance, version with
//	                                      output, machine as vm.Inspection, queued signals)
//	GET  /api/instances/{id}/history      wf history --json: [Version], oldest first;
//	                                      ?brief=1 leaves out each version's output
//	GET  /api/instances/{id}/diff?from=A&to=B
//	                                      Diff: both reports and the statediff changes
//	                                      between their States (paths like
//	                                      globals.n.value, fibers[0].frames[1].locals.x.value)
//	GET  /api/programs/{hash}             {"hash", "file", "source"}
//	GET  /api/instances/{id}/events       server-sent events "head": {"id", "version",
//	                                      "status", "waiting_for"}, now and on every change
//	GET  /api/events?FILTERS              server-sent events "list": the page's rows, now and
//	                                      whenever an instance on it changes
//	POST /api/instances/{id}/signal       {"name", "value": JSON, "expect_version"}
//	POST /api/instances/{id}/set          {"name", "value": JSON, "any_type", "expect_version"}
//	POST /api/instances/{id}/fork         {"at": N (0: the head)}; answers with the new instance
//	POST /api/instances/{id}/rewind       {"to": N, "force", "expect_version"}
//	POST /api/instances/{id}/cancel       {"expect_version"}
//	POST /api/instances/{id}/upgrade-dry-run
//	                                      {"file", "source"}: wf upgrade --dry-run --json's
//	                                      [UpgradeResult]; changes nothing
//
// An action answers like wf start --json: {"id", "status",
// "waiting_for", "version"}, plus "signal" (its id), "rewind_version"
// or "forked_from". With expect_version, the version the user saw when
// confirming, an action is refused with 409 if the instance has moved
// on since, so that what the confirmation showed is what changes.
//
// # Security
//
// These actions change durable state, so:
//
//   - Without Options.Token the console answers only requests whose Host
//     is a loopback name, so that a web page cannot reach it by DNS
//     rebinding; wf serve refuses a non-loopback address without a token.
//     With a token, every request must carry it (Authorization: Bearer,
//     or the HttpOnly, SameSite=Strict cookie that opening a page with
//     ?token= sets before redirecting to the page without it), compared
//     in constant time.
//   - Only POST changes anything. A POST must be application/json, carry
//     the process's CSRF token in X-CSRF-Token (pages give it in a meta
//     tag), and must not come from another origin (Origin, Sec-Fetch-Site).
//   - Bodies are limited to Options.MaxBody (http.MaxBytesReader).
//   - Pages are html/template, the scripts put data in the page with
//     textContent only, JSON escapes <, > and &, and a strict
//     Content-Security-Policy allows no inline script.
//   - Every action runs under engine.WithActor, so the version it makes
//     says who made it: "cancelled (by console, token 1a2b3c4d,
//     10.0.0.5:51234)", the token named by a hash of it.
//
// Live updates poll the store (Options.Poll) for the head of the
// instance shown, or the page of the list shown, since the engine has
// no change feed; each open page costs one small query per poll.
package console
