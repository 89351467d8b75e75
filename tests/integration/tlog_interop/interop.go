// Command interop checks the project's transparency-log output with the Go reference
// implementations: golang.org/x/mod/sumdb/note (C2SP signed notes) and
// golang.org/x/mod/sumdb/tlog (RFC 6962 trees and proofs).
//
// It reads one JSON request on stdin and writes one JSON response on stdout; the
// Python test decides what passes. An empty error string means the check passed.
package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusionCase struct {
	Index    int64    `json:"index"`
	Size     int64    `json:"size"`
	LeafHash string   `json:"leaf_hash"`
	Root     string   `json:"root"`
	Proof    []string `json:"proof"`
}

type consistencyCase struct {
	First      int64    `json:"first"`
	Second     int64    `json:"second"`
	FirstRoot  string   `json:"first_root"`
	SecondRoot string   `json:"second_root"`
	Proof      []string `json:"proof"`
}

type request struct {
	Vkey           string            `json:"vkey"`
	CheckpointNote string            `json:"checkpoint_note"`
	Entries        []string          `json:"entries"`
	Inclusion      []inclusionCase   `json:"inclusion"`
	Consistency    []consistencyCase `json:"consistency"`
	Skey           string            `json:"skey"`
	SignText       string            `json:"sign_text"`
}

type response struct {
	NoteText         string     `json:"note_text"`
	NoteError        string     `json:"note_error"`
	Origin           string     `json:"origin"`
	Size             int64      `json:"size"`
	Root             string     `json:"root"`
	CheckpointError  string     `json:"checkpoint_error"`
	Roots            []string   `json:"roots"`
	Inclusion        []string   `json:"inclusion"`
	Consistency      []string   `json:"consistency"`
	GoRecordProofs   [][]string `json:"go_record_proofs"`
	GoTreeProofs     [][]string `json:"go_tree_proofs"`
	Signed           string     `json:"signed"`
	SignError        string     `json:"sign_error"`
	VerifierName     string     `json:"verifier_name"`
	VerifierKeyHash  string     `json:"verifier_key_hash"`
	VerifierKeyError string     `json:"verifier_key_error"`
}

// memory is a tlog.HashReader over the hashes tlog.StoredHashes produced.
type memory []tlog.Hash

func (m memory) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = m[x]
	}
	return out, nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func hashes(encoded []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(encoded))
	for i, s := range encoded {
		h, err := tlog.ParseHash(s)
		if err != nil {
			return nil, fmt.Errorf("proof hash %d: %v", i, err)
		}
		out[i] = h
	}
	return out, nil
}

func encode(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}

func parseCheckpoint(text string) (origin string, size int64, root tlog.Hash, err error) {
	if !strings.HasSuffix(text, "\n") {
		return "", 0, root, errors.New("no final newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return "", 0, root, errors.New("fewer than three lines")
	}
	size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return "", 0, root, err
	}
	root, err = tlog.ParseHash(lines[2])
	return lines[0], size, root, err
}

func checkInclusion(c inclusionCase) error {
	leaf, err := tlog.ParseHash(c.LeafHash)
	if err != nil {
		return err
	}
	root, err := tlog.ParseHash(c.Root)
	if err != nil {
		return err
	}
	proof, err := hashes(c.Proof)
	if err != nil {
		return err
	}
	return tlog.CheckRecord(tlog.RecordProof(proof), c.Size, root, c.Index, leaf)
}

func checkConsistency(c consistencyCase) error {
	first, err := tlog.ParseHash(c.FirstRoot)
	if err != nil {
		return err
	}
	second, err := tlog.ParseHash(c.SecondRoot)
	if err != nil {
		return err
	}
	proof, err := hashes(c.Proof)
	if err != nil {
		return err
	}
	return tlog.CheckTree(tlog.TreeProof(proof), c.Second, second, c.First, first)
}

func run(req request) (resp response, err error) {
	verifier, err := note.NewVerifier(req.Vkey)
	resp.VerifierKeyError = errText(err)
	if err == nil {
		resp.VerifierName = verifier.Name()
		resp.VerifierKeyHash = fmt.Sprintf("%08x", verifier.KeyHash())
		n, err := note.Open([]byte(req.CheckpointNote), note.VerifierList(verifier))
		resp.NoteError = errText(err)
		if err == nil {
			resp.NoteText = n.Text
			var root tlog.Hash
			resp.Origin, resp.Size, root, err = parseCheckpoint(n.Text)
			resp.CheckpointError = errText(err)
			resp.Root = base64.StdEncoding.EncodeToString(root[:])
		}
	}

	// Rebuild the tree from the raw entries with tlog's own storage layout.
	var store memory
	for i, e := range req.Entries {
		data, err := base64.StdEncoding.DecodeString(e)
		if err != nil {
			return resp, err
		}
		hs, err := tlog.StoredHashes(int64(i), data, store)
		if err != nil {
			return resp, err
		}
		store = append(store, hs...)
		root, err := tlog.TreeHash(int64(i+1), store)
		if err != nil {
			return resp, err
		}
		resp.Roots = append(resp.Roots, base64.StdEncoding.EncodeToString(root[:]))
	}

	for _, c := range req.Inclusion {
		resp.Inclusion = append(resp.Inclusion, errText(checkInclusion(c)))
		var proof []string
		if c.Index >= 0 && c.Index < c.Size && c.Size <= int64(len(req.Entries)) {
			p, err := tlog.ProveRecord(c.Size, c.Index, store)
			if err != nil {
				return resp, err
			}
			proof = encode(p)
		}
		resp.GoRecordProofs = append(resp.GoRecordProofs, proof)
	}
	for _, c := range req.Consistency {
		resp.Consistency = append(resp.Consistency, errText(checkConsistency(c)))
		var proof []string
		if 0 < c.First && c.First <= c.Second && c.Second <= int64(len(req.Entries)) {
			p, err := tlog.ProveTree(c.Second, c.First, store)
			if err != nil {
				return resp, err
			}
			proof = encode(p)
		}
		resp.GoTreeProofs = append(resp.GoTreeProofs, proof)
	}

	if req.Skey != "" {
		signer, err := note.NewSigner(req.Skey)
		if err == nil {
			var msg []byte
			msg, err = note.Sign(&note.Note{Text: req.SignText}, signer)
			resp.Signed = string(msg)
		}
		resp.SignError = errText(err)
	}
	return resp, nil
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "interop: bad request:", err)
		os.Exit(2)
	}
	resp, err := run(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(resp); err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		os.Exit(1)
	}
}
