package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// The identities the tests act as. Token users are listed in the
// --token-auth-file; cert-writer authenticates with a client certificate.
const (
	idAdmin         = "admin"          // token, group system:masters (everything)
	idEventsWriter  = "events-writer"  // token, create+patch events.k8s.io events
	idEventsCreator = "events-creator" // token, create only
	idCertWriter    = "cert-writer"    // client certificate CN=cert-writer, writer's rights
	idNobody        = "nobody"         // token, authenticated but no bindings
)

var (
	tokenIdentities = []string{idAdmin, idEventsWriter, idEventsCreator, idNobody}
	allIdentities   = []string{idAdmin, idEventsWriter, idEventsCreator, idCertWriter, idNobody}
)

// Names of the RBAC objects this harness creates.
const (
	writerRole  = "kube-events-test:events-writer"
	creatorRole = "kube-events-test:events-creator"
)

type identities struct {
	tokens      map[string]string // identity -> bearer token
	kubeconfigs map[string]string // identity -> kubeconfig path
	tokenFile   string
}

func newIdentities(dir string) (*identities, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ids := &identities{
		tokens:      map[string]string{},
		kubeconfigs: map[string]string{},
		tokenFile:   filepath.Join(dir, "tokens.csv"),
	}
	// --token-auth-file format: token,user,uid[,"group1,group2"].
	var csv strings.Builder
	for _, name := range tokenIdentities {
		buf := make([]byte, 24)
		if _, err := rand.Read(buf); err != nil {
			return nil, err
		}
		token := hex.EncodeToString(buf)
		ids.tokens[name] = token
		groups := ""
		if name == idAdmin {
			groups = `,"system:masters"`
		}
		fmt.Fprintf(&csv, "%s,%s,uid-%s%s\n", token, name, name, groups)
	}
	if err := os.WriteFile(ids.tokenFile, []byte(csv.String()), 0o600); err != nil {
		return nil, err
	}
	return ids, nil
}

// writeKubeconfigs writes one kubeconfig per identity into dir. Each has a
// single cluster/user/context (namespace default), the CA by absolute path,
// and either the token or the client certificate and key paths.
func (ids *identities) writeKubeconfigs(dir, server string, pki *pkiFiles) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, name := range allIdentities {
		user := &clientcmdapi.AuthInfo{}
		if name == idCertWriter {
			user.ClientCertificate = pki.CertWriterCert
			user.ClientKey = pki.CertWriterKey
		} else {
			user.Token = ids.tokens[name]
		}
		contextName := "kube-events-test-" + name
		cfg := clientcmdapi.NewConfig()
		cfg.Clusters["kube-events-test"] = &clientcmdapi.Cluster{Server: server, CertificateAuthority: pki.CAFile}
		cfg.AuthInfos[name] = user
		cfg.Contexts[contextName] = &clientcmdapi.Context{Cluster: "kube-events-test", AuthInfo: name, Namespace: "default"}
		cfg.CurrentContext = contextName
		path := filepath.Join(dir, name+".kubeconfig")
		if err := clientcmd.WriteToFile(*cfg, path); err != nil {
			return fmt.Errorf("writing kubeconfig %s: %w", path, err)
		}
		ids.kubeconfigs[name] = path
	}
	return nil
}

func eventsRule(verbs ...string) []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{{APIGroups: []string{"events.k8s.io"}, Resources: []string{"events"}, Verbs: verbs}}
}

func userSubjects(names ...string) []rbacv1.Subject {
	s := make([]rbacv1.Subject, 0, len(names))
	for _, n := range names {
		s = append(s, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: n})
	}
	return s
}

// applyRBAC creates (or, when etcd data was kept from an earlier run,
// overwrites) the ClusterRoles and ClusterRoleBindings. Run as admin.
func applyRBAC(ctx context.Context, cs kubernetes.Interface) error {
	roles := []*rbacv1.ClusterRole{
		{ObjectMeta: metav1.ObjectMeta{Name: writerRole}, Rules: eventsRule("create", "patch")},
		{ObjectMeta: metav1.ObjectMeta{Name: creatorRole}, Rules: eventsRule("create")},
	}
	bindings := []*rbacv1.ClusterRoleBinding{
		{
			ObjectMeta: metav1.ObjectMeta{Name: writerRole},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: writerRole},
			Subjects:   userSubjects(idEventsWriter, idCertWriter),
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: creatorRole},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: creatorRole},
			Subjects:   userSubjects(idEventsCreator),
		},
	}
	api := cs.RbacV1()
	for _, r := range roles {
		if _, err := api.ClusterRoles().Create(ctx, r, metav1.CreateOptions{}); apierrors.IsAlreadyExists(err) {
			old, getErr := api.ClusterRoles().Get(ctx, r.Name, metav1.GetOptions{})
			if getErr != nil {
				return getErr
			}
			r.ResourceVersion = old.ResourceVersion
			_, err = api.ClusterRoles().Update(ctx, r, metav1.UpdateOptions{})
			if err != nil {
				return fmt.Errorf("updating ClusterRole %s: %w", r.Name, err)
			}
		} else if err != nil {
			return fmt.Errorf("creating ClusterRole %s: %w", r.Name, err)
		}
	}
	for _, b := range bindings {
		if _, err := api.ClusterRoleBindings().Create(ctx, b, metav1.CreateOptions{}); apierrors.IsAlreadyExists(err) {
			old, getErr := api.ClusterRoleBindings().Get(ctx, b.Name, metav1.GetOptions{})
			if getErr != nil {
				return getErr
			}
			b.ResourceVersion = old.ResourceVersion
			_, err = api.ClusterRoleBindings().Update(ctx, b, metav1.UpdateOptions{})
			if err != nil {
				return fmt.Errorf("updating ClusterRoleBinding %s: %w", b.Name, err)
			}
		} else if err != nil {
			return fmt.Errorf("creating ClusterRoleBinding %s: %w", b.Name, err)
		}
	}
	return nil
}

// rbacEffective asks the apiserver (SubjectAccessReview, as admin) whether
// the bindings have reached its RBAC authorizer, which reads them through an
// informer and so lags their creation slightly. Returns "" when all checks
// pass, otherwise a description of the first that did not.
func rbacEffective(ctx context.Context, cs kubernetes.Interface) (string, error) {
	checks := []struct{ user, verb string }{
		{idEventsWriter, "create"},
		{idEventsWriter, "patch"},
		{idEventsCreator, "create"},
		{idCertWriter, "create"},
		{idCertWriter, "patch"},
	}
	for _, c := range checks {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:   c.user,
			Groups: []string{"system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace: "default", Verb: c.verb, Group: "events.k8s.io", Resource: "events",
			},
		}}
		res, err := cs.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
		if err != nil {
			return "", err
		}
		if !res.Status.Allowed {
			return fmt.Sprintf("%s may not yet %s events.events.k8s.io", c.user, c.verb), nil
		}
	}
	return "", nil
}
