// The sovereign clouds the action knows: where to sign in, where the resource manager lives and
// which audiences tokens are requested for. Overrides change hosts, never audiences.

export type CloudName = 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud';

export interface Cloud {
  name: CloudName;
  authorityHost: string;
  /**
   * Where MSAL sends the sign-in requests for this authority: the host instance discovery prefers
   * (msal-common's AuthorityMetadata aliases). MSAL holds the OpenID configuration of the first
   * two clouds' hosts and reads China's (login.partner.microsoftonline.cn) before its first token.
   */
  signInHost: string;
  resourceManager: string;
  /** Token scope for the resource manager (also used by run history). */
  armScope: string;
  /** Token scope for the Azure Machine Learning data plane. */
  mlScope: string;
  /** Studio host for job links. */
  studio: string;
}

export const CLOUDS: Record<CloudName, Cloud> = {
  AzureCloud: {
    name: 'AzureCloud',
    authorityHost: 'https://login.microsoftonline.com',
    signInHost: 'https://login.microsoftonline.com',
    resourceManager: 'https://management.azure.com',
    armScope: 'https://management.azure.com/.default',
    mlScope: 'https://ml.azure.com/.default',
    studio: 'https://ml.azure.com',
  },
  AzureUSGovernment: {
    name: 'AzureUSGovernment',
    authorityHost: 'https://login.microsoftonline.us',
    signInHost: 'https://login.microsoftonline.us',
    resourceManager: 'https://management.usgovcloudapi.net',
    armScope: 'https://management.usgovcloudapi.net/.default',
    mlScope: 'https://ml.azure.us/.default',
    studio: 'https://ml.azure.us',
  },
  AzureChinaCloud: {
    name: 'AzureChinaCloud',
    authorityHost: 'https://login.chinacloudapi.cn',
    signInHost: 'https://login.partner.microsoftonline.cn',
    resourceManager: 'https://management.chinacloudapi.cn',
    armScope: 'https://management.chinacloudapi.cn/.default',
    mlScope: 'https://ml.azure.cn/.default',
    studio: 'https://studio.ml.azure.cn',
  },
};

export const CLOUD_NAMES = Object.keys(CLOUDS) as CloudName[];
