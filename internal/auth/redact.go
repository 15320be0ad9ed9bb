package auth

import (
	"net/url"
	"strings"
)

// RedactTokenQuery returns uri with the value of every "token" query
// parameter replaced by [redacted], for access logs. Keys match case
// insensitively and after percent-decoding, because the gateway decodes
// "%74oken" to "token" as well. The rest of the URI is kept byte for byte.
func RedactTokenQuery(uri string) string {
	path, query, hasQuery := strings.Cut(uri, "?")
	if !hasQuery {
		return uri
	}
	query, fragment, hasFragment := strings.Cut(query, "#")

	pairs := strings.Split(query, "&")
	for i, pair := range pairs {
		key, _, _ := strings.Cut(pair, "=")
		decoded, err := url.QueryUnescape(key)
		if err != nil {
			decoded = key
		}
		if strings.EqualFold(strings.TrimSpace(decoded), "token") {
			pairs[i] = key + "=" + redacted
		}
	}

	out := path + "?" + strings.Join(pairs, "&")
	if hasFragment {
		out += "#" + fragment
	}
	return out
}
