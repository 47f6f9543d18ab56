package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certValidity is long enough for any test run, short enough to be obviously
// a throwaway certificate.
const certValidity = 30 * 24 * time.Hour

// pkiFiles are the PEM files the apiserver and the clients use. All keys are
// ECDSA P-256; TLS keys in PKCS#8 ("PRIVATE KEY"), which Go, Node and rustls
// all read; the service-account key in SEC1 (see below).
type pkiFiles struct {
	CAFile         string // serving CA: clients verify the apiserver with it
	ServingCert    string // end-entity cert (not a CA) for 127.0.0.1, localhost, ::1
	ServingKey     string
	ClientCAFile   string // --client-ca-file: signs client certificates
	CertWriterCert string // CN=cert-writer, signed by the client CA
	CertWriterKey  string
	SAKeyFile      string // service-account key: both --service-account-key-file and -signing-key-file
}

type certAuthority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func writePKI(dir string) (*pkiFiles, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &pkiFiles{
		CAFile:         filepath.Join(dir, "ca.crt"),
		ServingCert:    filepath.Join(dir, "apiserver.crt"),
		ServingKey:     filepath.Join(dir, "apiserver.key"),
		ClientCAFile:   filepath.Join(dir, "client-ca.crt"),
		CertWriterCert: filepath.Join(dir, "cert-writer.crt"),
		CertWriterKey:  filepath.Join(dir, "cert-writer.key"),
		SAKeyFile:      filepath.Join(dir, "service-account.key"),
	}

	servingCA, err := newCA("kube-events test serving CA", p.CAFile)
	if err != nil {
		return nil, err
	}
	// An end-entity certificate: rustls (webpki) rejects a CA certificate
	// presented as the server's own certificate (CaUsedAsEndEntity).
	serving := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if err := servingCA.issue(serving, p.ServingCert, p.ServingKey); err != nil {
		return nil, err
	}

	clientCA, err := newCA("kube-events test client CA", p.ClientCAFile)
	if err != nil {
		return nil, err
	}
	// The apiserver maps CN to the user name and O to groups; no O here, so
	// cert-writer gets only system:authenticated and the RBAC binding below.
	clientCert := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "cert-writer"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if err := clientCA.issue(clientCert, p.CertWriterCert, p.CertWriterKey); err != nil {
		return nil, err
	}

	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	// SEC1 ("EC PRIVATE KEY"): --service-account-key-file derives the public
	// key from a private key only in this form (PKCS#8 is rejected with "data
	// does not contain any valid RSA or ECDSA public keys", seen on v1.37.2).
	saDER, err := x509.MarshalECPrivateKey(saKey)
	if err != nil {
		return nil, err
	}
	if err := writePEM(p.SAKeyFile, "EC PRIVATE KEY", saDER, 0o600); err != nil {
		return nil, err
	}
	return p, nil
}

func newCA(cn, certPath string) (*certAuthority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", cn, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if err := writePEM(certPath, "CERTIFICATE", der, 0o644); err != nil {
		return nil, err
	}
	return &certAuthority{cert: cert, key: key}, nil
}

// issue signs tmpl (an end-entity certificate) with a fresh key and writes
// certificate and key.
func (ca *certAuthority) issue(tmpl *x509.Certificate, certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := randomSerial()
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl.SerialNumber = serial
	tmpl.NotBefore = now.Add(-time.Hour)
	tmpl.NotAfter = now.Add(certValidity)
	tmpl.BasicConstraintsValid = true
	tmpl.IsCA = false
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return fmt.Errorf("issuing %s: %w", tmpl.Subject.CommonName, err)
	}
	if err := writePEM(certPath, "CERTIFICATE", der, 0o644); err != nil {
		return err
	}
	return writeKey(keyPath, key)
}

func writeKey(path string, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(path, "PRIVATE KEY", der, 0o600)
}

func writePEM(path, blockType string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), mode)
}

func randomSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}
