package harness

import (
	"encoding/xml"
	"io"
	"strings"
	"time"
)

// FileResult is the outcome of one spec file: the error that kept it from
// running (Load's), or its cases' results.
type FileResult struct {
	Path    string
	Err     error
	Cases   []CaseResult
	Elapsed time.Duration
}

// Failed reports whether the file failed to load or has a failing case.
func (f *FileResult) Failed() bool {
	if f.Err != nil {
		return true
	}
	for _, c := range f.Cases {
		if !c.Passed {
			return true
		}
	}
	return false
}

// RunFile loads the spec at path and runs it.
func RunFile(path string, opts Options) FileResult {
	begin := time.Now()
	res := FileResult{Path: path}
	spec, err := Load(path)
	if err != nil {
		res.Err = err
	} else {
		res.Cases = spec.Run(opts)
	}
	res.Elapsed = time.Since(begin)
	return res
}

// The JUnit XML shapes that CI systems read (Jenkins, GitLab, GitHub
// actions): one testsuite per spec file, one testcase per case.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     float64     `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes files as a JUnit XML report: a spec that did not load is
// a suite with one testcase in error, a failing case a testcase with a
// failure holding its differences, and what the script printed its
// system-out.
func WriteJUnit(w io.Writer, files []FileResult) error {
	var all junitSuites
	for _, f := range files {
		s := junitSuite{Name: f.Path, Time: f.Elapsed.Seconds()}
		if f.Err != nil {
			s.Tests, s.Errors = 1, 1
			s.Cases = []junitCase{{Name: "load", Classname: f.Path, Error: &junitProblem{Message: "spec did not load", Text: f.Err.Error()}}}
		}
		for _, c := range f.Cases {
			jc := junitCase{Name: c.Name, Classname: f.Path, Time: c.Elapsed.Seconds(), SystemOut: strings.Join(c.Log, "\n")}
			if !c.Passed {
				s.Failures++
				jc.Failure = &junitProblem{Message: c.Failures[0], Text: strings.Join(c.Failures, "\n")}
			}
			s.Tests++
			s.Cases = append(s.Cases, jc)
		}
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		all.Time += s.Time
		all.Suites = append(all.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
