package httpapi

import (
	_ "embed"
	"net/http"
)

// redocScript is Redoc's standalone bundle (npm package redoc 2.5.0,
// bundles/redoc.standalone.js, MIT: see docs/REDOC-LICENSE), served from the
// binary so the docs page works with no network.
//
//go:embed docs/redoc.standalone.js
var redocScript []byte

// docsPage loads the script and the document from this server only.
const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>chatlens API</title>
<style>body { margin: 0; font-family: system-ui, sans-serif; }</style>
</head>
<body>
<redoc spec-url="/openapi.json" hide-download-button="false"></redoc>
<script src="/docs/redoc.standalone.js"></script>
</body>
</html>
`

// mountDocs serves the docs page at /docs.
func (s *Server) mountDocs() {
	s.mux.HandleFunc("GET /docs", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The page runs only our own script; nothing may come from elsewhere.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; font-src 'self' data:")
		_, _ = w.Write([]byte(docsPage))
	})
	s.mux.HandleFunc("GET /docs/redoc.standalone.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		_, _ = w.Write(redocScript)
	})
}
