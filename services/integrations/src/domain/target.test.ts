import { describe, expect, it } from 'vitest';
import { MAX_URL_LENGTH, addressRefusal, checkTarget, parseAllowedNetworks, type AllowedNetworks } from './target.ts';

const publicOnly: AllowedNetworks = parseAllowedNetworks('');
const https = { allowHttp: false, allowed: publicOnly };

describe('checkTarget: the scheme and the parts of the URL', () => {
  it('accepts an https:// URL of a host name, with its port, path and query', () => {
    const check = checkTarget('https://hooks.example.com:8443/smart-expertise/events?tenant=7', https);
    expect(check).toMatchObject({ ok: true });
    expect(check.ok && check.url.href).toBe('https://hooks.example.com:8443/smart-expertise/events?tenant=7');
  });

  it('refuses http:// unless allowed', () => {
    expect(checkTarget('http://hooks.example.com/events', https)).toEqual({ ok: false, reason: 'only https:// URLs' });
    expect(checkTarget('http://hooks.example.com/events', { ...https, allowHttp: true })).toMatchObject({ ok: true });
  });

  it('refuses any other scheme, even where http:// is allowed', () => {
    for (const url of ['ftp://hooks.example.com/', 'file:///etc/passwd', 'ws://hooks.example.com/', 'javascript:alert(1)']) {
      expect(checkTarget(url, { ...https, allowHttp: true }), url).toEqual({ ok: false, reason: 'only https:// and http:// URLs' });
    }
  });

  it('refuses what is not an absolute URL', () => {
    expect(checkTarget('/v1/events', https)).toEqual({ ok: false, reason: 'not an absolute URL' });
    expect(checkTarget('hooks.example.com', https)).toEqual({ ok: false, reason: 'not an absolute URL' });
  });

  it('refuses credentials in the URL', () => {
    expect(checkTarget('https://user:secret@hooks.example.com/', https)).toMatchObject({ ok: false, reason: expect.stringMatching(/credentials/) });
    expect(checkTarget('https://user@hooks.example.com/', https)).toMatchObject({ ok: false, reason: expect.stringMatching(/credentials/) });
  });

  it('refuses a fragment', () => {
    expect(checkTarget('https://hooks.example.com/events#part', https)).toMatchObject({ ok: false, reason: expect.stringMatching(/fragment/) });
  });

  it(`refuses a URL longer than ${MAX_URL_LENGTH} characters, and accepts one of exactly that length`, () => {
    const prefix = 'https://hooks.example.com/';
    expect(checkTarget(prefix + 'a'.repeat(MAX_URL_LENGTH - prefix.length), https)).toMatchObject({ ok: true });
    expect(checkTarget(prefix + 'a'.repeat(MAX_URL_LENGTH - prefix.length + 1), https)).toEqual({ ok: false, reason: `the URL is longer than ${MAX_URL_LENGTH} characters` });
  });
});

describe('checkTarget: host names', () => {
  it('accepts a host name whatever it resolves to: its addresses are judged at each connection', () => {
    expect(checkTarget('https://hooks.example.com/', https)).toMatchObject({ ok: true });
  });

  it.each(['https://localhost/', 'https://localhost./', 'https://api.localhost/', 'https://API.LOCALHOST./x'])('refuses %s, loopback by definition, unless loopback is allowed', (url) => {
    expect(checkTarget(url, https)).toMatchObject({ ok: false, reason: expect.stringMatching(/is a loopback name/) });
    expect(checkTarget(url, { allowHttp: false, allowed: parseAllowedNetworks('loopback') })).toMatchObject({ ok: true });
  });

  it('accepts an international domain name, as the URL writes it in punycode', () => {
    const check = checkTarget('https://bücher.example/hooks', https);
    expect(check.ok && check.url.hostname).toBe('xn--bcher-kva.example');
  });

  it.each(['https://hooks_1.example.com/', 'https://hooks$.example.com/', 'https://hooks!.example.com/', 'https://intranet/'])('refuses %s as a host name', (url) => {
    expect(checkTarget(url, https)).toMatchObject({ ok: false, reason: expect.stringMatching(/is not a host name/) });
  });
});

describe('checkTarget: IP literals are judged as addresses', () => {
  it.each([
    ['https://127.0.0.1/', 'loopback'],
    ['https://127.1/', 'loopback'],
    ['https://2130706433/', 'loopback'],
    ['https://[::1]/', 'loopback'],
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://10.1.2.3/', 'private'],
    ['https://172.16.0.1/', 'private'],
    ['https://172.31.255.254/', 'private'],
    ['https://192.168.1.1/', 'private'],
    ['https://169.254.169.254/latest/meta-data/', 'linkLocal'],
    ['https://[::ffff:169.254.169.254]/', 'linkLocal'],
    ['https://100.64.0.1/', 'carrierGradeNat'],
    ['https://0.0.0.0/', 'unspecified'],
    ['https://[::]/', 'unspecified'],
    ['https://[fc00::1]/', 'uniqueLocal'],
    ['https://[fd12:3456::1]/', 'uniqueLocal'],
    ['https://[fe80::1]/', 'linkLocal'],
    ['https://224.0.0.1/', 'multicast'],
    ['https://255.255.255.255/', 'broadcast'],
  ])('refuses %s by default, as a %s address', (url, range) => {
    expect(checkTarget(url, https)).toMatchObject({ ok: false, reason: expect.stringContaining(`is a ${range} address, not a public one`) });
  });

  it('accepts a public address, IPv4 or IPv6', () => {
    expect(checkTarget('https://93.184.215.14/hooks', https)).toMatchObject({ ok: true });
    expect(checkTarget('https://[2606:4700::1111]/hooks', https)).toMatchObject({ ok: true });
  });

  it('accepts loopback when the allowed networks include it', () => {
    const allowed = parseAllowedNetworks('loopback');
    expect(checkTarget('http://127.0.0.1:8080/hooks', { allowHttp: true, allowed })).toMatchObject({ ok: true });
    expect(checkTarget('http://[::1]:8080/hooks', { allowHttp: true, allowed })).toMatchObject({ ok: true });
    expect(checkTarget('https://10.1.2.3/', { allowHttp: false, allowed })).toMatchObject({ ok: false });
  });

  it('accepts an address of an allowed CIDR, and not its neighbour', () => {
    const allowed = parseAllowedNetworks('10.20.0.0/16');
    expect(checkTarget('https://10.20.1.1/', { allowHttp: false, allowed })).toMatchObject({ ok: true });
    expect(checkTarget('https://10.21.0.1/', { allowHttp: false, allowed })).toMatchObject({ ok: false, reason: expect.stringMatching(/10\.21\.0\.1 is a private address/) });
  });
});

describe('addressRefusal', () => {
  it('lets a public unicast address through', () => {
    expect(addressRefusal('93.184.215.14', publicOnly)).toBeNull();
    expect(addressRefusal('2606:4700::1111', publicOnly)).toBeNull();
  });

  it('judges an IPv4-mapped IPv6 address as the IPv4 address it is', () => {
    expect(addressRefusal('::ffff:127.0.0.1', publicOnly)).toMatch(/loopback/);
    expect(addressRefusal('::ffff:10.20.1.1', parseAllowedNetworks('10.20.0.0/16'))).toBeNull();
    expect(addressRefusal('::ffff:93.184.215.14', publicOnly)).toBeNull();
  });

  it('refuses the NAT64, 6to4 and documentation prefixes, which can lead back inside', () => {
    for (const address of ['64:ff9b::7f00:1', '2002:7f00:1::', '2001:db8::1']) expect(addressRefusal(address, publicOnly), address).not.toBeNull();
  });

  it('refuses what is not an IP address', () => {
    expect(addressRefusal('localhost', publicOnly)).toBe('localhost is not an IP address');
  });

  it('lets an allowed range through, and only that range', () => {
    const allowed = parseAllowedNetworks('private');
    expect(addressRefusal('192.168.1.1', allowed)).toBeNull();
    expect(addressRefusal('127.0.0.1', allowed)).toMatch(/loopback/);
  });

  it('matches an IPv6 CIDR on IPv6 addresses only', () => {
    const allowed = parseAllowedNetworks('fd00:1234::/32');
    expect(addressRefusal('fd00:1234::1', allowed)).toBeNull();
    expect(addressRefusal('fd00:1235::1', allowed)).toMatch(/uniqueLocal/);
    expect(addressRefusal('10.0.0.1', allowed)).toMatch(/private/);
  });
});

describe('parseAllowedNetworks', () => {
  it('reads nothing as public addresses only', () => {
    expect(parseAllowedNetworks('')).toEqual({ ranges: new Set(), cidrs: [] });
    expect(parseAllowedNetworks(' , ')).toEqual({ ranges: new Set(), cidrs: [] });
  });

  it('reads range names whatever their case, as ipaddr.js names them', () => {
    expect(parseAllowedNetworks('LOOPBACK, Private,linklocal,uniqueLocal,CARRIERGRADENAT').ranges).toEqual(
      new Set(['loopback', 'private', 'linkLocal', 'uniqueLocal', 'carrierGradeNat']),
    );
  });

  it('reads CIDRs, IPv4 and IPv6, beside names', () => {
    const allowed = parseAllowedNetworks('loopback,10.20.0.0/16,fd00::/8');
    expect(allowed.ranges).toEqual(new Set(['loopback']));
    expect(allowed.cidrs.map(([network, bits]) => `${network.toString()}/${bits}`)).toEqual(['10.20.0.0/16', 'fd00::/8']);
  });

  // ipaddr.js reads IPv4 as inet_aton does: `10.20/16` would be 10.0.0.20/16 (so 10.0.x.x, not 10.20.x.x)
  // and `010.0.0.0/8` octal 8.0.0.0/8. An operator's shorthand must not open another network.
  it.each([
    ['10.20/16', '10.0.0.20/16'],
    ['010.0.0.0/8', '8.0.0.0/8'],
    ['0xa.0.0.0/8', '10.0.0.0/8'],
  ])('refuses %j, which ipaddr.js would read as %s, rather than allow a network the operator did not write', (part) => {
    expect(() => parseAllowedNetworks(part)).toThrow(`WEBHOOK_ALLOWED_NETWORKS: "${part}"`);
  });

  it.each(['intranet', 'unicast', 'unspecified', '10.20.0.0', '10.20.0.0/33', '10.20.0.0/', 'fd00::/129', 'localhost'])('refuses %j, naming the variable and the part', (part) => {
    expect(() => parseAllowedNetworks(`loopback,${part}`)).toThrow(`WEBHOOK_ALLOWED_NETWORKS: "${part}" is neither a CIDR nor one of loopback, private, linkLocal, uniqueLocal, carrierGradeNat`);
  });
});
