# Varnish (7.x) in front of marquee-server, purged by surrogate key.
#
# Marquee tags every cacheable answer with a Surrogate-Key header ("features"
# for the features payload, "campaigns/spring campaigns/*" for one record);
# a node started with --edge-varnish HOST:PORT sends this Varnish
# "PURGE /" with an "xkey: <keys>" header on every change, once its own
# caches hold the change. The xkey vmod (Debian's varnish-modules) indexes
# objects by the xkey header, so vcl_backend_response copies Surrogate-Key
# into it. docs/operations.md ("Edge caches") describes the deployment;
# tests/edge/varnish_test.sh runs this very file (with its backend port
# replaced).
vcl 4.1;

import xkey;

# The node this Varnish fronts, or a load balancer in front of the nodes.
backend marquee {
    .host = "127.0.0.1";
    .port = "8080";
}

# Who may purge: the addresses of the marquee-server nodes. Everyone else
# gets 403, so a client cannot empty the cache.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey) {
            return (synth(400, "PURGE needs an xkey header"));
        }
        # A hard purge: the next request is a miss. (A soft purge would let
        # grace, which Varnish takes from stale-while-revalidate, serve the
        # old answer once more.)
        set req.http.n-gone = xkey.purge(req.http.xkey);
        return (synth(200, "Invalidated " + req.http.n-gone + " objects"));
    }
    # A strong read asks for the node's latest: never from the cache.
    if (req.url ~ "[?&]consistency=strong(&|$)") {
        return (pass);
    }
    # The features payload is the same for every user and public (its
    # Cache-Control says so), but the node asks for an API key. It is
    # cached with the request's Authorization as part of the cache key
    # (vcl_hash): an answer is only served to requests presenting the
    # credential it was fetched with, and the node checks every credential
    # it has not seen. Deployments usually have one delivery key, so one
    # object per URL.
    if ((req.method == "GET" || req.method == "HEAD") &&
        req.url ~ "^/(v1/features|api/features/[^/?]+)(\?|$)") {
        unset req.http.Cookie;
        return (hash);
    }
    # Everything else follows Varnish's built-in rules: requests with an
    # Authorization header or cookies, and writes, go to the node
    # uncached; answers marked private or no-cache (campaigns, decide)
    # are not kept.
}

sub vcl_hash {
    if (req.http.Authorization) {
        hash_data(req.http.Authorization);
    }
    # The built-in vcl_hash adds the URL and the Host.
}

sub vcl_backend_response {
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
}

sub vcl_deliver {
    # The index header is Varnish's business, not the client's.
    unset resp.http.xkey;
}
