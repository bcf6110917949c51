// Ho Chi Minh City's districts as people name them, in Vietnamese and in English: facts the product
// carries, so a first start without the asset mirror (no boundary file) still shows "Quận Bình Thạnh" /
// "Binh Thanh District" rather than the id "quan-binh-thanh". Ids are the slugs of the Vietnamese names
// (devices/district-repository.ts slugify), as the boundary file's `localname` gives them.
export interface CityDistrict {
  id: string;
  name: string;
  nameEn: string;
}

const NUMBERED = Array.from({ length: 12 }, (_, i) => ({ id: `quan-${i + 1}`, name: `Quận ${i + 1}`, nameEn: `District ${i + 1}` }));

/** Urban districts (quận), rural districts (huyện) and Thủ Đức city, as of the boundary file. */
export const HO_CHI_MINH_CITY_DISTRICTS: readonly CityDistrict[] = [
  { id: 'tp-thu-duc', name: 'TP. Thủ Đức', nameEn: 'Thu Duc City' },
  ...NUMBERED,
  { id: 'quan-binh-tan', name: 'Quận Bình Tân', nameEn: 'Binh Tan District' },
  { id: 'quan-binh-thanh', name: 'Quận Bình Thạnh', nameEn: 'Binh Thanh District' },
  { id: 'quan-go-vap', name: 'Quận Gò Vấp', nameEn: 'Go Vap District' },
  { id: 'quan-phu-nhuan', name: 'Quận Phú Nhuận', nameEn: 'Phu Nhuan District' },
  { id: 'quan-tan-binh', name: 'Quận Tân Bình', nameEn: 'Tan Binh District' },
  { id: 'quan-tan-phu', name: 'Quận Tân Phú', nameEn: 'Tan Phu District' },
  { id: 'huyen-binh-chanh', name: 'Huyện Bình Chánh', nameEn: 'Binh Chanh District' },
  { id: 'huyen-can-gio', name: 'Huyện Cần Giờ', nameEn: 'Can Gio District' },
  { id: 'huyen-cu-chi', name: 'Huyện Củ Chi', nameEn: 'Cu Chi District' },
  { id: 'huyen-hoc-mon', name: 'Huyện Hóc Môn', nameEn: 'Hoc Mon District' },
  { id: 'huyen-nha-be', name: 'Huyện Nhà Bè', nameEn: 'Nha Be District' },
];

const BY_ID = new Map(HO_CHI_MINH_CITY_DISTRICTS.map((district) => [district.id, district]));

export function cityDistrict(id: string): CityDistrict | undefined {
  return BY_ID.get(id);
}
