package evaluator

import (
	"fmt"
	"strconv"

	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// Effective is an attribute's value after apply as far as the plan can tell,
// with the provider's default substituted where the user left it unset.
type Effective struct {
	Value tfplan.Value
	// Defaulted is true when Raw is the provider default, not a planned value.
	Defaulted bool
	// Raw is the value to judge (nil when unknown or unset without a default).
	Raw any
}

// Known reports whether the effective value can be judged now.
func (e Effective) Known() bool { return e.Value.State == tfplan.Known || e.Defaulted }

// Display renders the value for a finding, saying where a default was used.
func (e Effective) Display() string {
	if e.Defaulted {
		return "not set (provider default " + tfplan.KnownValue(e.Raw).Display() + ")"
	}
	return e.Value.Display()
}

// EffectiveAfter resolves path on r's planned object. providerDefault is the
// value the provider uses when the attribute is unset (nil when there is none
// worth assuming). An unknown value counts as unset only when the
// configuration shows the user did not write the attribute: Optional+Computed
// attributes show as "known after apply" on create even when left to the default.
func EffectiveAfter(r *tfplan.Resource, path string, providerDefault any) Effective {
	v := r.After(path)
	switch v.State {
	case tfplan.Known:
		return Effective{Value: v, Raw: v.Raw()}
	case tfplan.NotSet:
		if providerDefault != nil {
			return Effective{Value: v, Defaulted: true, Raw: providerDefault}
		}
	case tfplan.Unknown:
		if providerDefault != nil && r.Configured(path) == tfplan.ConfigNotSet {
			return Effective{Value: v, Defaulted: true, Raw: providerDefault}
		}
	}
	return Effective{Value: v}
}

// RequireBool is the common check "attribute must be want". It returns a pass,
// fail or unknown finding. providerDefault may be nil.
func RequireBool(c *Context, r *tfplan.Resource, path string, want bool, providerDefault any) Finding {
	e := EffectiveAfter(r, path, providerDefault)
	expected := strconv.FormatBool(want)
	if !e.Known() {
		if e.Value.State == tfplan.Unknown {
			return c.Unknown(r, path, expected)
		}
		return c.Fail(r, path, fmt.Sprintf("%s is not set", path), expected, e.Display())
	}
	got, ok := BoolOf(e.Raw)
	if !ok {
		return c.Fail(r, path, fmt.Sprintf("%s is not a boolean", path), expected, e.Display())
	}
	if got != want {
		return c.Fail(r, path, fmt.Sprintf("%s is %s", path, e.Display()), expected, e.Display())
	}
	return c.Pass(r, path, fmt.Sprintf("%s is %s", path, e.Display()))
}

// RequireAtLeast is the common check "number must be >= min".
func RequireAtLeast(c *Context, r *tfplan.Resource, path string, min int64, providerDefault any) Finding {
	e := EffectiveAfter(r, path, providerDefault)
	expected := ">= " + strconv.FormatInt(min, 10)
	if !e.Known() {
		if e.Value.State == tfplan.Unknown {
			return c.Unknown(r, path, expected)
		}
		return c.Fail(r, path, fmt.Sprintf("%s is not set", path), expected, e.Display())
	}
	got, ok := IntOf(e.Raw)
	if !ok {
		return c.Fail(r, path, fmt.Sprintf("%s is not a whole number", path), expected, e.Display())
	}
	if got < min {
		return c.Fail(r, path, fmt.Sprintf("%s is %s, below the minimum of %d", path, e.Display(), min), expected, e.Display())
	}
	return c.Pass(r, path, fmt.Sprintf("%s is %s", path, e.Display()))
}

// Bool reads the effective value (planned or provider default) as a bool.
func (e Effective) Bool() (bool, bool) { return BoolOf(e.Raw) }

// Int reads the effective value (planned or provider default) as a whole number.
func (e Effective) Int() (int64, bool) { return IntOf(e.Raw) }

// BoolOf reads a decoded value or a rule's own default as a bool, accepting
// providers that use string-typed flags ("true").
func BoolOf(raw any) (bool, bool) { return tfplan.KnownValue(raw).Bool() }

// IntOf reads a whole number from decoded JSON (float64), a rule's own
// default (int, int64) or a numeric string.
func IntOf(raw any) (int64, bool) {
	switch t := raw.(type) {
	case int:
		return int64(t), true
	case int64:
		return t, true
	}
	return tfplan.KnownValue(raw).Int()
}
