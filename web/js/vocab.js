// vocab.js — the API's vocabularies (src/core/casefile.c and friends), with
// the words the UI shows for them.
export const RELATIONSHIPS = ['intimate_partner', 'ex_partner', 'family', 'friend_acquaintance', 'work', 'professional_customer', 'online_only', 'stranger', 'unknown'];
export const CHANNELS = ['emergency_call', 'non_emergency_call', 'online', 'in_person', 'third_party', 'agency_referral', 'other'];
export const CLASSIFICATIONS = ['stalking', 'harassment', 'breach_of_order', 'criminal_damage', 'malicious_communications', 'threats_to_kill', 'assault', 'coercive_control', 'other'];
export const BEHAVIOURS = ['message', 'call', 'social_media', 'following', 'loitering', 'turning_up_home', 'turning_up_work', 'unwanted_gift', 'property_damage', 'threat', 'violence', 'third_party_contact', 'breach_of_order', 'other'];
export const RISK_LEVELS = ['standard', 'medium', 'high'];
export const STATUSES = ['intake', 'screened', 'assessed', 'managed', 'closed'];
export const TYPOLOGIES = [
	['rejected', 'Rejected'],
	['intimacy_seeker', 'Intimacy seeker'],
	['incompetent_suitor', 'Incompetent suitor'],
	['resentful', 'Resentful'],
	['predatory', 'Predatory'],
	['undetermined', 'Undetermined'],
];
export const FLAGS = ['possible_misrecording', 'possible_serial', 'marac_referral'];
export const FOUR = [
	['fixated', 'Fixated', 'Is the behaviour fixated on her (or on a grievance)?'],
	['obsessive', 'Obsessive', 'Is it obsessive: will he not let it go?'],
	['unwanted', 'Unwanted', 'Is it unwanted: has she made that clear, or would anyone see it so?'],
	['repeated', 'Repeated', 'Is it repeated: two or more occasions?'],
];
export const PLAN_CATEGORIES = ['victim_safety', 'perpetrator_management', 'monitoring', 'support_referral', 'treatment'];
export const ACTION_STATUSES = ['planned', 'in_progress', 'done', 'not_done'];
