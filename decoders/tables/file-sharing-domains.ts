/**
 * File-sharing, paste and content-hosting domains that ATT&CK T1105 names as a delivery path (anchors.md §4.6):
 * Sigma's shared list (`net_connection_win_susp_file_sharing_domains_susp_folders.yml`, 37 entries), the Dropbox
 * API hosts, OneDrive/SharePoint and Google Drive (`net_connection_win_domain_dead_drop_resolvers.yml`), Discord's
 * CDN and a few common transfer services. Matching is by DNS suffix on a label boundary (`dl.dropboxusercontent.com`
 * matches `dropboxusercontent.com`, `evildropbox.com` does not). Not a verdict: the list marks a destination class.
 */

export type FileSharingKind = 'file-sharing' | 'paste' | 'code-hosting' | 'app-hosting' | 'chat-cdn' | 'tunnel'

export interface FileSharingDomain {
  /** The registered suffix (lower case, no leading dot). */
  readonly domain: string
  /** Service name shown to analysts. */
  readonly service: string
  readonly kind: FileSharingKind
}

const T: readonly (readonly [string, string, FileSharingKind])[] = [
  // Sigma shared list.
  ['githubusercontent.com', 'GitHub raw content', 'code-hosting'],
  ['0x0.st', '0x0.st', 'file-sharing'],
  ['anonfiles.com', 'AnonFiles', 'file-sharing'],
  ['bashupload.com', 'bashupload', 'file-sharing'],
  ['cdn.discordapp.com', 'Discord CDN', 'chat-cdn'],
  ['chunk.io', 'chunk.io', 'file-sharing'],
  ['ddns.net', 'No-IP dynamic DNS', 'app-hosting'],
  ['dl.dropboxusercontent.com', 'Dropbox', 'file-sharing'],
  ['ghostbin.co', 'Ghostbin', 'paste'],
  ['github.com', 'GitHub', 'code-hosting'],
  ['glitch.me', 'Glitch', 'app-hosting'],
  ['gofile.io', 'Gofile', 'file-sharing'],
  ['hastebin.com', 'Hastebin', 'paste'],
  ['mediafire.com', 'MediaFire', 'file-sharing'],
  ['mega.co.nz', 'MEGA', 'file-sharing'],
  ['mega.nz', 'MEGA', 'file-sharing'],
  ['onrender.com', 'Render', 'app-hosting'],
  ['pages.dev', 'Cloudflare Pages', 'app-hosting'],
  ['paste.ee', 'Paste.ee', 'paste'],
  ['pastebin.com', 'Pastebin', 'paste'],
  ['pastebin.pl', 'Pastebin.pl', 'paste'],
  ['pastetext.net', 'PasteText', 'paste'],
  ['pixeldrain.com', 'Pixeldrain', 'file-sharing'],
  ['privatlab.com', 'PrivatLab', 'file-sharing'],
  ['privatlab.net', 'PrivatLab', 'file-sharing'],
  ['send.exploit.in', 'send.exploit.in', 'file-sharing'],
  ['sendspace.com', 'SendSpace', 'file-sharing'],
  ['storage.googleapis.com', 'Google Cloud Storage', 'file-sharing'],
  ['storjshare.io', 'Storj', 'file-sharing'],
  ['supabase.co', 'Supabase', 'app-hosting'],
  ['temp.sh', 'temp.sh', 'file-sharing'],
  ['transfer.sh', 'transfer.sh', 'file-sharing'],
  ['trycloudflare.com', 'Cloudflare Tunnel', 'tunnel'],
  ['ufile.io', 'uFile', 'file-sharing'],
  ['w3spaces.com', 'W3Spaces', 'app-hosting'],
  ['workers.dev', 'Cloudflare Workers', 'app-hosting'],
  ['x0.at', 'x0.at', 'file-sharing'],
  // Dropbox, OneDrive/SharePoint, Google Drive (Sigma dropbox_api / dead_drop_resolvers; ET 2035593).
  ['dropboxusercontent.com', 'Dropbox', 'file-sharing'],
  ['dropbox.com', 'Dropbox', 'file-sharing'],
  ['dropboxapi.com', 'Dropbox API', 'file-sharing'],
  ['onedrive.live.com', 'OneDrive', 'file-sharing'],
  ['onedrive.com', 'OneDrive', 'file-sharing'],
  ['1drv.ms', 'OneDrive', 'file-sharing'],
  ['1drv.com', 'OneDrive', 'file-sharing'],
  ['sharepoint.com', 'SharePoint', 'file-sharing'],
  ['drive.google.com', 'Google Drive', 'file-sharing'],
  ['drive.googleapis.com', 'Google Drive', 'file-sharing'],
  ['docs.google.com', 'Google Docs/Drive', 'file-sharing'],
  ['drive.usercontent.google.com', 'Google Drive', 'file-sharing'],
  // Discord, other transfer services (ET 2035027-2035030 Discord; common droppers' hosts).
  ['media.discordapp.net', 'Discord CDN', 'chat-cdn'],
  ['cdn.discordapp.net', 'Discord CDN', 'chat-cdn'],
  ['file.io', 'file.io', 'file-sharing'],
  ['wetransfer.com', 'WeTransfer', 'file-sharing'],
  ['we.tl', 'WeTransfer', 'file-sharing'],
  ['catbox.moe', 'Catbox', 'file-sharing'],
  ['filebin.net', 'Filebin', 'file-sharing'],
  ['bitbucket.org', 'Bitbucket', 'code-hosting'],
  ['gitlab.com', 'GitLab', 'code-hosting'],
  ['rentry.co', 'Rentry', 'paste'],
  ['paste.rs', 'paste.rs', 'paste'],
  ['controlc.com', 'ControlC', 'paste'],
]

const BY_DOMAIN: ReadonlyMap<string, FileSharingDomain> = new Map(
  T.map(([domain, service, kind]) => [domain, { domain, service, kind }]),
)

/** Every listed domain. */
export const FILE_SHARING_DOMAINS: readonly FileSharingDomain[] = [...BY_DOMAIN.values()]

/** The most specific listed suffix that `name` falls under (label boundary), or undefined. */
export function matchFileSharingDomain(name: string): FileSharingDomain | undefined {
  let n = name.toLowerCase()
  if (n.endsWith('.')) n = n.slice(0, -1)
  // Walk suffixes from the longest: a.b.c → a.b.c, b.c, c. At most 127 labels in a DNS name.
  let p = 0
  for (let i = 0; i < 128 && p >= 0; i++) {
    const hit = BY_DOMAIN.get(p === 0 ? n : n.slice(p))
    if (hit !== undefined) return hit
    const dot = n.indexOf('.', p)
    p = dot < 0 ? -1 : dot + 1
  }
  return undefined
}
