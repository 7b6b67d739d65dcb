package runtask

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// decodeRequestFast reads a run-task payload in one pass over its bytes, as
// encoding/json would into DecodeRequest's struct but without reflection:
// it is the largest cost of answering a POST otherwise. It declines (ok is
// false) whenever it is not sure to agree with encoding/json — invalid JSON,
// a value of an unexpected type, a key that matches a field only when case
// is ignored — and DecodeRequest then uses encoding/json, whose errors are
// the ones users see. FuzzDecodeRequest holds the two to agreement.
func decodeRequestFast(body []byte) (r Request, caps, capsMisspelled *Capabilities, ok bool) {
	// One copy of the body as a string: every field is a slice of it.
	d := fastDecoder{data: body, text: string(body)}
	d.space()
	if !d.next('{') {
		return r, nil, nil, false
	}
	d.space()
	if d.next('}') {
		return r, nil, nil, d.end()
	}
	for {
		key, ok := d.key()
		if !ok {
			return r, nil, nil, false
		}
		if field := r.stringField(key); field != nil {
			if !d.stringInto(field) {
				return r, nil, nil, false
			}
		} else {
			switch key {
			case "payload_version":
				ok = d.intInto(&r.PayloadVersion)
			case "is_speculative":
				ok = d.boolInto(&r.IsSpeculative)
			case "capabilities":
				ok = d.capabilitiesInto(&caps)
			case "capabilitites":
				ok = d.capabilitiesInto(&capsMisspelled)
			default:
				// encoding/json matches keys case-insensitively too.
				ok = !requestKeyFolds(key) && d.skip(0)
			}
			if !ok {
				return r, nil, nil, false
			}
		}
		d.space()
		if d.next('}') {
			return r, caps, capsMisspelled, d.end()
		}
		if !d.next(',') {
			return r, nil, nil, false
		}
		d.space()
	}
}

// stringField is where the string value of key goes, if key names one.
func (r *Request) stringField(key string) *string {
	switch key {
	case "stage":
		return (*string)(&r.Stage)
	case "access_token":
		return &r.AccessToken
	case "configuration_version_download_url":
		return &r.ConfigurationVersionDownloadURL
	case "configuration_version_id":
		return &r.ConfigurationVersionID
	case "organization_name":
		return &r.OrganizationName
	case "plan_json_api_url":
		return &r.PlanJSONAPIURL
	case "project_id":
		return &r.ProjectID
	case "project_name":
		return &r.ProjectName
	case "project_app_url":
		return &r.ProjectAppURL
	case "run_app_url":
		return &r.RunAppURL
	case "run_created_at":
		return &r.RunCreatedAt
	case "run_created_by":
		return &r.RunCreatedBy
	case "run_id":
		return &r.RunID
	case "run_message":
		return &r.RunMessage
	case "task_result_callback_url":
		return &r.TaskResultCallbackURL
	case "task_result_enforcement_level":
		return &r.TaskResultEnforcementLevel
	case "task_result_id":
		return &r.TaskResultID
	case "vcs_branch":
		return &r.VCSBranch
	case "vcs_commit_url":
		return &r.VCSCommitURL
	case "vcs_commit_hash":
		return &r.VCSCommitHash
	case "vcs_pull_request_url":
		return &r.VCSPullRequestURL
	case "vcs_repo_url":
		return &r.VCSRepoURL
	case "workspace_app_url":
		return &r.WorkspaceAppURL
	case "workspace_id":
		return &r.WorkspaceID
	case "workspace_name":
		return &r.WorkspaceName
	case "workspace_working_directory":
		return &r.WorkspaceWorkingDirectory
	}
	return nil
}

// requestKeys are the keys encoding/json reads into requestJSON (and
// "outcomes", inside capabilities), from its struct tags: the keys a
// payload may spell in another case.
var requestKeys = sync.OnceValue(func() []string {
	keys := []string{"outcomes"}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case f.Anonymous:
				walk(f.Type)
			case name != "" && name != "-":
				keys = append(keys, name)
			}
		}
	}
	walk(reflect.TypeFor[requestJSON]())
	return keys
})

// requestKeyFolds says whether key equals a known key when case is ignored.
// Keys reaching it are printable ASCII (others decline earlier), where
// encoding/json's folding is plain case-insensitivity.
func requestKeyFolds(key string) bool {
	for _, k := range requestKeys() {
		if strings.EqualFold(key, k) {
			return true
		}
	}
	return false
}

// fastDecoder walks JSON bytes; each method consumes what it reads.
type fastDecoder struct {
	data []byte
	text string // data as a string
	pos  int
}

func (d *fastDecoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *fastDecoder) next(c byte) bool {
	if d.pos < len(d.data) && d.data[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

// end says whether only whitespace is left.
func (d *fastDecoder) end() bool {
	d.space()
	return d.pos == len(d.data)
}

// key reads an object key and the colon after it.
func (d *fastDecoder) key() (string, bool) {
	start, end, plain, ok := d.str()
	if !ok {
		return "", false
	}
	if !plain {
		// Escaped or non-ASCII keys: decline rather than reproduce
		// encoding/json's unescaping and folding.
		return "", false
	}
	d.space()
	if !d.next(':') {
		return "", false
	}
	d.space()
	return d.text[start:end], true
}

// str reads a string and returns where its bytes between the quotes start
// and end; plain says they are printable ASCII without escapes, so they are
// the value as is.
func (d *fastDecoder) str() (start, end int, plain, ok bool) {
	if !d.next('"') {
		return 0, 0, false, false
	}
	start = d.pos
	plain = true
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return start, d.pos - 1, plain, true
		case c < 0x20:
			return 0, 0, false, false
		case c == '\\':
			plain = false
			if !d.escape() {
				return 0, 0, false, false
			}
			continue
		case c >= utf8.RuneSelf:
			plain = false
		}
		d.pos++
	}
	return 0, 0, false, false
}

// escape checks the escape sequence at pos and moves past it.
func (d *fastDecoder) escape() bool {
	if d.pos+1 >= len(d.data) {
		return false
	}
	switch d.data[d.pos+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		d.pos += 2
		return true
	case 'u':
		if d.pos+6 > len(d.data) {
			return false
		}
		for _, h := range d.data[d.pos+2 : d.pos+6] {
			if !isHex(h) {
				return false
			}
		}
		d.pos += 6
		return true
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// stringInto sets *dst to a string value; null leaves it as it is.
func (d *fastDecoder) stringInto(dst *string) bool {
	if d.literal("null") {
		return true
	}
	quoted := d.pos
	start, end, plain, ok := d.str()
	if !ok {
		return false
	}
	if plain {
		*dst = d.text[start:end]
		return true
	}
	// Escapes and non-ASCII (invalid UTF-8 becomes U+FFFD): the string
	// alone goes through encoding/json.
	return json.Unmarshal(d.data[quoted:d.pos], dst) == nil
}

func (d *fastDecoder) literal(word string) bool {
	if len(d.data)-d.pos >= len(word) && string(d.data[d.pos:d.pos+len(word)]) == word {
		d.pos += len(word)
		return true
	}
	return false
}

func (d *fastDecoder) boolInto(dst *bool) bool {
	switch {
	case d.literal("true"):
		*dst = true
	case d.literal("false"):
		*dst = false
	case d.literal("null"):
	default:
		return false
	}
	return true
}

// intInto reads an integer; a fraction, an exponent or an overflow declines
// (encoding/json refuses them for an int).
func (d *fastDecoder) intInto(dst *int) bool {
	if d.literal("null") {
		return true
	}
	start := d.pos
	if !d.number() {
		return false
	}
	n, err := strconv.Atoi(d.text[start:d.pos])
	if err != nil {
		return false
	}
	*dst = n
	return true
}

// number reads a JSON number.
func (d *fastDecoder) number() bool {
	d.next('-')
	switch {
	case d.next('0'):
	case d.digits() == 0:
		return false
	}
	if d.next('.') && d.digits() == 0 {
		return false
	}
	if d.next('e') || d.next('E') {
		if !d.next('+') {
			d.next('-')
		}
		if d.digits() == 0 {
			return false
		}
	}
	return true
}

func (d *fastDecoder) digits() int {
	start := d.pos
	for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
		d.pos++
	}
	return d.pos - start
}

// capabilitiesInto reads a capabilities object as encoding/json would into
// a *Capabilities: null sets it to nil, an object fills it (allocating it
// if needed).
func (d *fastDecoder) capabilitiesInto(dst **Capabilities) bool {
	if d.literal("null") {
		*dst = nil
		return true
	}
	if !d.next('{') {
		return false
	}
	if *dst == nil {
		*dst = &Capabilities{}
	}
	d.space()
	if d.next('}') {
		return true
	}
	for {
		key, ok := d.key()
		if !ok {
			return false
		}
		if key == "outcomes" {
			ok = d.boolInto(&(*dst).Outcomes)
		} else {
			ok = !strings.EqualFold(key, "outcomes") && d.skip(1)
		}
		if !ok {
			return false
		}
		d.space()
		if d.next('}') {
			return true
		}
		if !d.next(',') {
			return false
		}
		d.space()
	}
}

// maxSkipDepth bounds the nesting of values nobody reads; deeper ones
// decline to encoding/json.
const maxSkipDepth = 64

// skip reads any JSON value, checking it as encoding/json would.
func (d *fastDecoder) skip(depth int) bool {
	if depth > maxSkipDepth || d.pos >= len(d.data) {
		return false
	}
	switch c := d.data[d.pos]; {
	case c == '"':
		_, _, _, ok := d.str()
		return ok
	case c == '{' || c == '[':
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		d.pos++
		d.space()
		if d.next(closing) {
			return true
		}
		for {
			if c == '{' {
				if _, _, _, ok := d.str(); !ok {
					return false
				}
				d.space()
				if !d.next(':') {
					return false
				}
				d.space()
			}
			if !d.skip(depth + 1) {
				return false
			}
			d.space()
			if d.next(closing) {
				return true
			}
			if !d.next(',') {
				return false
			}
			d.space()
		}
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	default:
		return d.literal("true") || d.literal("false") || d.literal("null")
	}
}
